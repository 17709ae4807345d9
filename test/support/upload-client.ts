import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
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

/** What goes around a streamed file: the multipart head up to its bytes, and the tail after. */
export interface UploadFrame {
  contentType: string;
  head: Buffer;
  tail: Buffer;
  /** Extra request headers the frame's transport needs (GraphQL uploads: a preflight header). */
  headers?: Record<string, string>;
}

/** The head and tail of a one-part multipart/form-data body (field `file`). */
export function multipartFrame(filename: string, contentType: string): UploadFrame {
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

/** A GraphQL multipart request (operations, map, then the file as part "0") around a stream. */
export function graphqlFrame(
  mutation: 'uploadFile' | 'uploadAvatar',
  filename: string,
  contentType: string,
): UploadFrame {
  const boundary = `----stream${randomBytes(12).toString('hex')}`;
  const operations = JSON.stringify({
    query: `mutation($file: Upload!) { ${mutation}(file: $file) { id } }`,
    variables: { file: null },
  });
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    headers: { 'GraphQL-Preflight': '1' },
    head: Buffer.from(
      field('operations', operations) +
        field('map', JSON.stringify({ 0: ['variables.file'] })) +
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${filename}"\r\n` +
        `Content-Type: ${contentType}\r\n\r\n`,
    ),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
  };
}

/**
 * `size` bytes of file content: `head` (e.g. a PNG signature), then ASCII text, with `insert`
 * written over the text at byte `at` (e.g. a script tag deep inside the file).
 */
export async function* fileContent(
  size: number,
  options: { head?: Buffer; insert?: { at: number; bytes: Buffer } } = {},
): AsyncGenerator<Buffer> {
  const head = options.head ?? Buffer.alloc(0);
  let offset = 0;
  const place = (chunk: Buffer): Buffer => {
    const { insert } = options;
    const start = offset;
    offset += chunk.length;
    if (!insert || insert.at + insert.bytes.length <= start || insert.at >= offset) return chunk;
    const copy = Buffer.from(chunk);
    insert.bytes.copy(copy, Math.max(0, insert.at - start), Math.max(0, start - insert.at));
    return copy;
  };
  if (head.length > 0) yield place(head);
  for await (const chunk of asciiText(size - head.length)) yield place(chunk);
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

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One TCP connection speaking HTTP/1.1 by hand, so that a test controls exactly which bytes go
 * out on which keep-alive socket and sees whether the server answers a second request on it.
 */
export class RawHttpConnection {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;
  /** Resolves when the server ends or resets the socket. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      const done = () => {
        this.ended = true;
        this.wake();
        resolve();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
    socket.on('error', () => undefined);
  }

  static open(base: string): Promise<RawHttpConnection> {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () =>
        resolve(new RawHttpConnection(socket)),
      );
      socket.once('error', reject);
    });
  }

  /** Writes bytes; resolves once they are handed to the kernel (or the socket is gone). */
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** Destroys the socket from the client side (an aborted upload). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Whether the server has closed the connection. */
  get isClosed(): boolean {
    return this.ended;
  }

  /** The next complete response; rejects if the connection closes before one arrives. */
  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.takeResponse();
      if (parsed) return parsed;
      if (this.ended) throw new Error('the server closed the connection without answering');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private takeResponse(): RawResponse | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine, ...lines] = this.buffer
      .subarray(0, headEnd)
      .toString('latin1')
      .split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(' ')[1]);
    let offset = headEnd + 4;
    let body: Buffer;
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunks: Buffer[] = [];
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', offset);
        if (lineEnd < 0) return undefined;
        const size = parseInt(this.buffer.subarray(offset, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        offset = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < offset + length) return undefined;
      body = this.buffer.subarray(offset, offset + length);
      offset += length;
    }
    this.buffer = this.buffer.subarray(offset);
    return { status, headers, body: body.toString('utf8') };
  }
}

/** The head of a POST with a body of `length` bytes (keep-alive, HTTP/1.1). */
export function requestHead(
  path: string,
  headers: Record<string, string | number | undefined>,
): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: keep-alive'];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A GET request head on a keep-alive connection. */
export function getHead(path: string, token?: string): string {
  const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n${auth}\r\n`;
}

export interface RawUpload {
  path: string;
  frame: UploadFrame;
  token?: string;
  /** File bytes that `body` yields. */
  size: number;
  body: AsyncIterable<Buffer>;
  /** Content-Length to declare instead of the real one (e.g. a huge one). */
  declaredLength?: number;
  /** Write only this many file bytes, then stop (the caller aborts or waits). */
  stopAfter?: number;
}

/**
 * Writes a multipart upload on a raw connection: request head, frame head, file, frame tail.
 * Resolves `'sent'` when everything went out, `'stopped'` after `stopAfter` file bytes, or
 * `'closed'` when the server closed the connection first.
 */
export async function writeUpload(
  connection: RawHttpConnection,
  upload: RawUpload,
): Promise<'sent' | 'stopped' | 'closed'> {
  const length = upload.frame.head.length + upload.size + upload.frame.tail.length;
  await connection.write(
    requestHead(upload.path, {
      'Content-Type': upload.frame.contentType,
      'Content-Length': upload.declaredLength ?? length,
      Authorization: upload.token && `Bearer ${upload.token}`,
      ...upload.frame.headers,
    }),
  );
  await connection.write(upload.frame.head);
  let sent = 0;
  for await (const chunk of upload.body) {
    if (connection.isClosed) return 'closed';
    const left = (upload.stopAfter ?? Infinity) - sent;
    if (left <= 0) return 'stopped';
    const piece = chunk.length > left ? chunk.subarray(0, left) : chunk;
    await connection.write(piece);
    sent += piece.length;
  }
  if (sent === upload.stopAfter) return 'stopped';
  await connection.write(upload.frame.tail);
  return connection.isClosed ? 'closed' : 'sent';
}
