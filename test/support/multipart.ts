import { randomBytes } from 'node:crypto';

export type Part =
  | { name: string; value: string }
  | { name: string; filename: string; contentType?: string; data: Buffer };

/** A multipart/form-data body, built by hand so tests control every byte and header. */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----test${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if ('filename' in part) {
      head += `; filename="${part.filename.replace(/"/g, '%22')}"`;
      head += `\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`;
      chunks.push(Buffer.from(`${head}\r\n\r\n`), part.data, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`${head}\r\n\r\n${part.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** A GraphQL multipart request (operations, map, then the file as variable `file`). */
export function graphqlUpload(
  query: string,
  file: { filename: string; contentType?: string; data: Buffer },
  variables: Record<string, unknown> = {},
): { payload: Buffer; headers: Record<string, string> } {
  const body = multipart([
    {
      name: 'operations',
      value: JSON.stringify({ query, variables: { ...variables, file: null } }),
    },
    { name: 'map', value: JSON.stringify({ 0: ['variables.file'] }) },
    { name: '0', ...file },
  ]);
  // A non-simple header: GraphQL uploads demand one (CSRF), as browsers' clients send.
  return { ...body, headers: { ...body.headers, 'graphql-preflight': '1' } };
}
