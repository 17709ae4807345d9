import type { Rng } from './prng.js';
import { hostileString } from './values.js';

export interface RawBody {
  payload: Buffer;
  headers: Record<string, string>;
  summary: string;
}

/** The smallest valid PNG (1×1, transparent). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

type Part =
  { name: string; value: string } | { name: string; filename: string; type: string; data: Buffer };

function encode(boundary: string, parts: Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if ('filename' in part) {
      head += `; filename="${part.filename}"\r\nContent-Type: ${part.type}`;
      chunks.push(Buffer.from(`${head}\r\n\r\n`), part.data, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`${head}\r\n\r\n${part.value}\r\n`));
    }
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const file = (
  name = 'file',
  filename = 'a.txt',
  data = Buffer.from('hello corpus\n'),
  type = 'text/plain',
): Part => ({
  name,
  filename,
  type,
  data,
});

const ct = (boundary: string) => ({ 'content-type': `multipart/form-data; boundary=${boundary}` });

/**
 * Multipart bodies for an upload route: a valid text file and PNG first, then malformed ones
 * (no boundary, wrong boundary, no file part, too many fields or files, truncated, ...).
 * `wrap` turns the file part list into a GraphQL multipart request when given.
 */
export function malformedMultipart(
  rng: Rng,
  index: number,
  wrap: (parts: Part[]) => Part[] = (parts) => parts,
): RawBody {
  const b = `corpus${rng.hex(16)}`;
  const build = (
    summary: string,
    parts: Part[],
    headers: Record<string, string> = ct(b),
    close = true,
  ): RawBody => ({
    payload: encode(b, wrap(parts), close),
    headers,
    summary: `multipart: ${summary}`,
  });
  if (index === 0) return build('a valid text file', [file()]);
  if (index === 1) return build('a valid PNG', [file('file', 'a.png', PNG, 'image/png')]);
  const variants: Array<() => RawBody> = [
    () => build('no boundary in content-type', [file()], { 'content-type': 'multipart/form-data' }),
    () => build('wrong boundary', [file()], ct(`other${rng.hex(8)}`)),
    () => build('no file part', [{ name: 'kind', value: 'attachment' }]),
    () =>
      build(
        'too many fields',
        Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, value: 'x' })),
      ),
    () =>
      build(
        'too many files',
        Array.from({ length: 6 }, () => file()),
      ),
    () => build('truncated (no closing boundary)', [file()], ct(b), false),
    () => ({ payload: Buffer.alloc(0), headers: ct(b), summary: 'multipart: empty body' }),
    () => build('file under another field name', [file('upload')]),
    () => {
      const name = hostileString(rng).slice(0, 300).replaceAll('"', '%22');
      return build(`hostile filename ${JSON.stringify(name.slice(0, 20))}`, [file('file', name)]);
    },
    () => build('__proto__ field name', [{ name: '__proto__', value: 'x' }, file()]),
    () => build('constructor field name', [{ name: 'constructor', value: '{}' }, file()]),
    () => {
      const long = `b${'x'.repeat(300)}`;
      return {
        payload: encode(long, wrap([file()])),
        headers: ct(long),
        summary: 'multipart: 300-char boundary',
      };
    },
    () =>
      build('quoted boundary and odd charset', [file()], {
        'content-type': `multipart/form-data; boundary="${b}"; charset=utf-7`,
      }),
    () => ({
      payload: Buffer.from(
        `--${b}\r\n${'X-Long: '.padEnd(20_000, 'y')}\r\n\r\ndata\r\n--${b}--\r\n`,
      ),
      headers: ct(b),
      summary: 'multipart: a part without Content-Disposition and a 20 kB header',
    }),
    () => ({
      payload: Buffer.from(JSON.stringify({ file: 'not a file' })),
      headers: { 'content-type': 'application/json' },
      summary: 'multipart route: JSON body',
    }),
    () =>
      build('file declared as image, bytes are text', [
        file('file', 'a.png', Buffer.from('not a png'), 'image/png'),
      ]),
    () => build('empty file', [file('file', 'empty.txt', Buffer.alloc(0))]),
  ];
  return rng.pick(variants)();
}

/** GraphQL multipart requests (the `operations` / `map` / file parts of the upload spec), malformed. */
export function malformedGraphqlMultipart(rng: Rng, index: number, query: string): RawBody {
  const body = graphqlMultipartBody(rng, index, query);
  // GraphQL uploads must carry a header a form cannot send (CSRF); one case in ten leaves it out.
  if (index >= 2 && rng.chance(0.1))
    return { ...body, summary: `${body.summary}, no preflight header` };
  return { ...body, headers: { ...body.headers, 'graphql-preflight': '1' } };
}

function graphqlMultipartBody(rng: Rng, index: number, query: string): RawBody {
  const ops = JSON.stringify({ query, variables: { file: null } });
  const wrapValid = (parts: Part[]): Part[] => {
    const files = parts.filter((p) => 'filename' in p);
    const fields = parts.filter((p) => !('filename' in p));
    const map = Object.fromEntries(files.map((_, i) => [String(i), [`variables.file`]]));
    return [
      { name: 'operations', value: ops },
      { name: 'map', value: JSON.stringify(map) },
      ...fields,
      ...files.map((f, i) => ({ ...f, name: String(i) })),
    ];
  };
  const b = `corpus${rng.hex(16)}`;
  const raw = (summary: string, parts: Part[]): RawBody => ({
    payload: encode(b, parts),
    headers: ct(b),
    summary: `graphql multipart: ${summary}`,
  });
  if (index < 2 || rng.chance(0.4)) {
    const body = malformedMultipart(rng, index, wrapValid);
    return { ...body, summary: `graphql ${body.summary}` };
  }
  const f = file('0');
  return rng.pick([
    () =>
      raw('operations not JSON', [
        { name: 'operations', value: '{nope' },
        { name: 'map', value: '{}' },
        f,
      ]),
    () => raw('map not JSON', [{ name: 'operations', value: ops }, { name: 'map', value: '[' }, f]),
    () =>
      raw('map to a missing file', [
        { name: 'operations', value: ops },
        { name: 'map', value: '{"7":["variables.file"]}' },
      ]),
    () =>
      raw('map path to nowhere', [
        { name: 'operations', value: ops },
        { name: 'map', value: '{"0":["variables.a.b.c"]}' },
        f,
      ]),
    () =>
      raw('map path __proto__', [
        { name: 'operations', value: ops },
        { name: 'map', value: '{"0":["variables.__proto__.x"]}' },
        f,
      ]),
    () =>
      raw('map is an array', [
        { name: 'operations', value: ops },
        { name: 'map', value: '[["variables.file"]]' },
        f,
      ]),
    () =>
      raw('file before operations', [
        f,
        { name: 'operations', value: ops },
        { name: 'map', value: '{"0":["variables.file"]}' },
      ]),
    () => raw('no map', [{ name: 'operations', value: ops }, f]),
    () =>
      raw('operations is a batch of 50', [
        { name: 'operations', value: JSON.stringify(Array(50).fill({ query })) },
        { name: 'map', value: '{}' },
      ]),
    () =>
      raw('operations query not a string', [
        { name: 'operations', value: '{"query":{"a":1}}' },
        { name: 'map', value: '{}' },
      ]),
  ])();
}
