import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';

/** One reusable block of printable ASCII (lines of text the content inspector accepts). */
const TEXT_BLOCK = Buffer.from(
  Array.from(
    { length: 1024 },
    (_, i) => `line ${String(i).padStart(6, '0')} the quick brown fox jumps over the lazy dog\n`,
  ).join(''),
);

/**
 * `size` bytes of plain ASCII text, yielded in chunks of at most `chunkBytes` cut from one shared
 * block: the whole body never exists in memory at once.
 */
export async function* asciiText(size: number, chunkBytes = 64 * 1024): AsyncGenerator<Buffer> {
  let left = size;
  while (left > 0) {
    let chunk = Math.min(left, chunkBytes);
    left -= chunk;
    while (chunk > 0) {
      const piece = Math.min(chunk, TEXT_BLOCK.length);
      yield TEXT_BLOCK.subarray(0, piece);
      chunk -= piece;
    }
  }
}

/** The head and tail of a one-part multipart/form-data body (field `file`). */
export function multipartFrame(filename: string, contentType: string) {
  const boundary = `----stream${randomBytes(12).toString('hex')}`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    head: Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        `Content-Type: ${contentType}\r\n\r\n`,
    ),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
  };
}

export interface StreamedUpload {
  /** e.g. http://127.0.0.1:3000 */
  base: string;
  path?: string;
  token: string;
  filename: string;
  contentType: string;
  /** The exact number of bytes `body` yields. */
  size: number;
  body: AsyncIterable<Buffer>;
  headers?: Record<string, string>;
}

/** A multipart upload over real HTTP whose body is streamed (Content-Length known up front). */
export function streamUpload(
  upload: StreamedUpload,
): Promise<{ status: number; body: string; json: () => Record<string, unknown> }> {
  const frame = multipartFrame(upload.filename, upload.contentType);
  const url = new URL(upload.path ?? '/api/v1/files', upload.base);
  async function* whole(): AsyncGenerator<Buffer> {
    yield frame.head;
    yield* upload.body;
    yield frame.tail;
  }
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${upload.token}`,
          'content-type': frame.contentType,
          'content-length': String(frame.head.length + upload.size + frame.tail.length),
          ...upload.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          });
        });
      },
    );
    request.on('error', reject);
    Readable.from(whole()).pipe(request);
  });
}
