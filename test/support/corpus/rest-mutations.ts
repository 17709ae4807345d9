import type { OpenApiParameter, RestOperation } from './openapi.js';
import type { SchemaResolver } from './schema-values.js';
import {
  deepArray,
  deepObject,
  encodeAny,
  hostileAny,
  hostileCursor,
  hostileNumber,
  hostileString,
  HOSTILE_STRINGS,
  RAW_GARBAGE,
  summarize,
  withProtoKey,
  WRONG_TYPES,
  type GenContext,
} from './values.js';

type Path = Array<string | number>;

function fieldPaths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      if (path.length < 6) fieldPaths(child, path, out);
    }
  }
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  // defineProperty: a plain assignment to `__proto__` would set the prototype instead.
  Object.defineProperty(node, path[path.length - 1], {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Maps the strings of the top 16 levels (a deep-nesting mutation may sit below them). */
const mapStrings = (value: unknown, fn: (s: string) => string, depth = 0): unknown => {
  if (typeof value === 'string') return fn(value);
  if (depth > 16) return value;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn, depth + 1)]),
    );
  }
  return value;
};

export interface Draft {
  path: Record<string, string>;
  /** Query pairs, already percent-encoded. */
  query: Array<[string, string]>;
  body: unknown;
  /** A raw body that replaces `body` (invalid JSON and friends). */
  raw?: { payload: string | Buffer; contentType?: string };
  headers: Record<string, string>;
  notes: string[];
  /** The sort value this case uses, when the operation takes one. */
  sort?: string;
}

export type Mutation = (
  d: Draft,
  ctx: GenContext,
  op: RestOperation,
  resolve: SchemaResolver,
) => void;

const pickField = (d: Draft, ctx: GenContext): Path | undefined => {
  const paths = fieldPaths(d.body);
  return paths.length ? ctx.rng.pick(paths) : undefined;
};

const bodyMutation =
  (name: string, fn: (d: Draft, ctx: GenContext, field: Path | undefined) => void): Mutation =>
  (d, ctx) => {
    if (d.body === undefined || d.body === null || typeof d.body !== 'object') d.body = {};
    const field = pickField(d, ctx);
    fn(d, ctx, field);
    d.notes.push(`${name}${field ? ` at body.${field.join('.')}` : ''}`);
  };

const BODY_MUTATIONS: Record<string, Mutation> = {
  wrongType: bodyMutation('wrong type', (d, ctx, field) => {
    const value = ctx.rng.pick(WRONG_TYPES);
    if (field) setAt(d.body, field, value);
    else d.body = value;
  }),
  missingRequired: (d, ctx, op, resolve) => {
    const schema = resolve(op.operation.requestBody?.content['application/json']?.schema ?? {});
    const required = schema.required ?? [];
    const obj = (d.body && typeof d.body === 'object' ? d.body : {}) as Record<string, unknown>;
    const drop = required.length ? ctx.rng.pick(required) : Object.keys(obj)[0];
    if (drop) delete obj[drop];
    if (ctx.rng.chance(0.3)) for (const key of required) delete obj[key];
    d.body = obj;
    d.notes.push(`missing required ${drop ?? '(none)'}`);
  },
  extraFields: bodyMutation('extra fields', (d, ctx, field) => {
    const extra = {
      [`unknown_${ctx.rng.alnum(4)}`]: hostileAny(ctx.rng),
      constructor: { prototype: { polluted: true } },
    };
    if (field && ctx.rng.chance(0.5)) setAt(d.body, field, extra);
    else Object.assign(d.body as object, extra);
  }),
  protoKey: (d) => {
    d.body = withProtoKey(
      (d.body && typeof d.body === 'object' ? d.body : {}) as Record<string, unknown>,
    );
    d.notes.push('__proto__ key');
  },
  hostileString: bodyMutation('hostile string', (d, ctx, field) => {
    const value = hostileString(ctx.rng);
    if (field) setAt(d.body, field, value);
    d.notes.push(`= ${summarize(value, 40)}`);
  }),
  hugeString: bodyMutation('huge string', (d, ctx, field) => {
    const value = 'H'.repeat(ctx.rng.pick([10_000, 300_000, 1_100_000]));
    if (field) setAt(d.body, field, value);
    else (d.body as Record<string, unknown>).huge = value;
    d.notes.push(`(${value.length} chars)`);
  }),
  deep: bodyMutation('deep nesting', (d, ctx, field) => {
    const depth = ctx.rng.pick([20, 31, 40, 2_000]);
    const value = ctx.rng.chance(0.5) ? deepObject(depth) : deepArray(depth);
    if (field) setAt(d.body, field, value);
    else d.body = value;
    d.notes.push(`(depth ${depth})`);
  }),
  arrayForObject: (d, ctx) => {
    const field = fieldPaths(d.body).find((p) => {
      let node = d.body as Record<string | number, unknown>;
      for (const k of p) node = node?.[k] as Record<string | number, unknown>;
      return node && typeof node === 'object' && !Array.isArray(node);
    });
    if (field && ctx.rng.chance(0.6)) {
      let node = d.body as Record<string | number, unknown>;
      for (const k of field) node = node[k] as Record<string | number, unknown>;
      setAt(d.body, field, [node, node]);
      d.notes.push(`array for object at body.${field.join('.')}`);
    } else {
      d.body = ctx.rng.chance(0.5) ? [d.body] : [];
      d.notes.push('array for the body object');
    }
  },
  number: bodyMutation('edge number', (d, ctx, field) => {
    const value = ctx.rng.chance(0.7)
      ? hostileNumber(ctx.rng)
      : ctx.rng.pick(['NaN', '-Infinity', '1e400', '0x10', '-0', '1_000']);
    if (field) setAt(d.body, field, value);
    d.notes.push(`= ${summarize(value, 30)}`);
  }),
  emptyStrings: (d) => {
    d.body = mapStrings(d.body, () => '');
    d.notes.push('every string empty');
  },
  nulls: bodyMutation('null', (d, _ctx, field) => {
    if (field) setAt(d.body, field, null);
    else d.body = null;
  }),
  unicode: (d, ctx) => {
    const pick = ctx.rng.pick(
      HOSTILE_STRINGS.filter((s) => [...s].some((c) => c.charCodeAt(0) > 0x7f)),
    );
    d.body = mapStrings(d.body, (s) => `${s}${pick}`);
    d.notes.push(`unicode appended to every string: ${summarize(pick, 30)}`);
  },
  rawBody: (d, ctx) => {
    const options: Array<[string, { payload: string | Buffer; contentType?: string }]> = [
      ['invalid JSON', { payload: '{"a":', contentType: 'application/json' }],
      ['empty JSON body', { payload: '', contentType: 'application/json' }],
      ['JSON string body', { payload: '"just a string"', contentType: 'application/json' }],
      ['JSON number body', { payload: '12345678901234567890', contentType: 'application/json' }],
      ['JSON null body', { payload: 'null', contentType: 'application/json' }],
      ['duplicate keys', { payload: '{"a":1,"a":{"b":2}}', contentType: 'application/json' }],
      ['text/plain body', { payload: JSON.stringify(d.body ?? {}), contentType: 'text/plain' }],
      [
        'urlencoded body',
        { payload: 'a=1&b[c]=2&__proto__[x]=1', contentType: 'application/x-www-form-urlencoded' },
      ],
      [
        'JSON as utf-16',
        {
          payload: Buffer.from(JSON.stringify(d.body ?? {}), 'utf16le'),
          contentType: 'application/json; charset=utf-16',
        },
      ],
      [
        'invalid UTF-8 bytes',
        {
          payload: Buffer.from([
            0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d,
          ]),
          contentType: 'application/json',
        },
      ],
      ['no content-type', { payload: JSON.stringify(d.body ?? {}) }],
      [
        'BOM before JSON',
        { payload: `\ufeff${JSON.stringify(d.body ?? {})}`, contentType: 'application/json' },
      ],
      [
        'multipart instead of JSON',
        {
          payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
          contentType: 'multipart/form-data; boundary=x',
        },
      ],
    ];
    const [name, raw] = ctx.rng.pick(options);
    d.raw = raw;
    d.notes.push(name);
  },
};

const QUERY_MUTATIONS: Record<string, Mutation> = {
  /** A free-text parameter (a string with no enum or format) that breaks the text rule. */
  badText: (d, ctx, op) => {
    const free = queryParams(op).filter(
      (p) => p.schema?.type === 'string' && !p.schema.enum && !p.schema.format,
    );
    const name = free.length ? ctx.rng.pick(free).name : pickQueryName(ctx, op);
    const value = ctx.rng.pick(BAD_TEXT);
    setQuery(d, name, encodeAny(value));
    d.notes.push(`query ${name}=${summarize(value, 40)}`);
  },
  hostile: (d, ctx, op) => {
    const name = pickQueryName(ctx, op);
    const value = hostileString(ctx.rng);
    setQuery(d, name, encodeAny(value));
    d.notes.push(`query ${name}=${summarize(value, 40)}`);
  },
  number: (d, ctx, op) => {
    const name = pickQueryName(ctx, op);
    const value = ctx.rng.pick([
      String(hostileNumber(ctx.rng)),
      'NaN',
      'Infinity',
      '1e400',
      '0x10',
      '',
      '1.0',
      '+1',
      ' 1',
      '1abc',
    ]);
    setQuery(d, name, encodeAny(value));
    d.notes.push(`query ${name}=${summarize(value, 30)}`);
  },
  repeated: (d, ctx, op) => {
    const name = pickQueryName(ctx, op);
    d.query.push([name, encodeAny(hostileString(ctx.rng))], [name, '1']);
    d.notes.push(`query ${name} repeated`);
  },
  garbage: (d, ctx, op) => {
    const name = pickQueryName(ctx, op);
    const value = ctx.rng.pick(RAW_GARBAGE);
    setQuery(d, name, value);
    d.notes.push(`query ${name}=${value} (raw)`);
  },
  extra: (d, ctx) => {
    const name = ctx.rng.pick([
      '__proto__',
      'constructor',
      'toString',
      `x${ctx.rng.alnum(3)}`,
      'limit[]',
      'a[b][c]',
    ]);
    d.query.push([encodeAny(name), encodeAny(hostileString(ctx.rng))]);
    d.notes.push(`extra query ${name}`);
  },
  cursor: (d, ctx, op) => {
    const value = hostileCursor(ctx);
    setQuery(d, 'cursor', encodeAny(value));
    const sort = d.sort;
    if (sort && queryParams(op).some((p) => p.name === 'sort'))
      setQuery(d, 'sort', encodeAny(sort));
    d.notes.push(`cursor=${summarize(value, 60)}${sort ? ` sort=${sort}` : ''}`);
  },
};

/** What the input guard promises to refuse in every string: NUL and lone surrogates. */
const BAD_TEXT = ['a\u0000b', '\u0000', '\ud800', 'x\udfffy'];

/** A path segment that breaks the text rule, in the given parameter. */
const pathText =
  (name: string): Mutation =>
  (d, ctx) => {
    const value = ctx.rng.chance(0.5) ? ctx.rng.pick(BAD_TEXT) : `${ctx.rng.uuid()}\u0000`;
    d.path[name] = encodeAny(value);
    d.notes.push(`path ${name}=${summarize(value, 50)}`);
  };

const PATH_MUTATIONS: Record<string, Mutation> = {
  hostile: (d, ctx) => {
    const name = ctx.rng.pick(Object.keys(d.path));
    const value = hostileString(ctx.rng);
    d.path[name] = encodeAny(value);
    d.notes.push(`path ${name}=${summarize(value, 40)}`);
  },
  garbage: (d, ctx) => {
    const name = ctx.rng.pick(Object.keys(d.path));
    d.path[name] = ctx.rng.pick([...RAW_GARBAGE, '%20', '.', '..', 'A'.repeat(10_000)]);
    d.notes.push(`path ${name}=${summarize(d.path[name], 30)} (raw)`);
  },
  nearUuid: (d, ctx) => {
    const name = ctx.rng.pick(Object.keys(d.path));
    const uuid = ctx.rng.uuid();
    const value = ctx.rng.pick([
      uuid.toUpperCase(),
      `${uuid}0`,
      uuid.slice(1),
      `{${uuid}}`,
      uuid.replaceAll('-', ''),
      '00000000-0000-0000-0000-000000000000',
      `${uuid}\u0000`,
    ]);
    d.path[name] = encodeAny(value);
    d.notes.push(`path ${name} near-UUID ${summarize(value, 50)}`);
  },
};

const HEADER_MUTATIONS: Record<string, Mutation> = {
  weird: (d, ctx) => {
    const [name, value] = ctx.rng.pick([
      ['x-request-id', 'a'.repeat(5000)],
      ['x-request-id', '../\u00e9'],
      ['accept', 'application/x-nothing'],
      ['accept-encoding', 'gzip;q=x, *;q=-1'],
      ['x-forwarded-for', 'not-an-ip, ::1, 999.1.1.1'],
      ['range', 'bytes=-5--3'],
      ['range', 'bytes=999999999999999999999-'],
      ['if-none-match', '"' + 'x'.repeat(4000) + '"'],
      ['authorization-extra', 'Bearer x'],
    ] as const);
    d.headers[name] = value;
    d.notes.push(`header ${name}: ${summarize(value, 30)}`);
  },
};

/** Header values Node can send (visible ASCII, no CR/LF), hostile in what they say. */
const HEADER_VALUES: readonly string[] = [
  ...HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s) && s.length < 8_000),
  'v1,',
  'v1,!!!notbase64',
  `v1,${'A'.repeat(7_000)}`,
  'v2,abc v1,abc',
  '-1',
  '99999999999999999999',
  '1e3',
];

const HEADER_PARAM_MUTATIONS: Record<string, Mutation> = {
  hostile: (d, ctx, op) => {
    const name = ctx.rng.pick(headerParams(op).map((p) => p.name));
    d.headers[name] = ctx.rng.pick(HEADER_VALUES);
    d.notes.push(`header ${name}: ${summarize(d.headers[name], 40)}`);
  },
  missing: (d, ctx, op) => {
    const name = ctx.rng.pick(headerParams(op).map((p) => p.name));
    delete d.headers[name];
    d.notes.push(`header ${name} left out`);
  },
};

export function headerParams(op: RestOperation): OpenApiParameter[] {
  return (op.operation.parameters ?? []).filter((p) => p.in === 'header');
}

/**
 * The mutations that apply to an operation. Case 2 onwards take the pinned ones first (forged
 * cursors, NUL or a lone surrogate in a free-text query value and in each path parameter, a
 * hostile path segment), then the rotating ones from an offset drawn from the seed, so every
 * seed covers a different subset and no case is spent on a part the operation does not have.
 */
export function mutationSlots(
  op: RestOperation,
  hasPath: boolean,
): { pinned: Mutation[]; rotating: Mutation[] } {
  const query = queryParams(op);
  const pinned: Mutation[] = [];
  const rotating: Mutation[] = [HEADER_MUTATIONS.weird];
  if (query.some((p) => p.name === 'cursor'))
    pinned.push(QUERY_MUTATIONS.cursor, QUERY_MUTATIONS.cursor);
  if (query.length) pinned.push(QUERY_MUTATIONS.badText);
  const pathNames = (op.operation.parameters ?? []).filter((p) => p.in === 'path');
  pinned.push(...pathNames.map((p) => pathText(p.name)));
  if (hasPath) {
    pinned.push(PATH_MUTATIONS.hostile);
    rotating.push(...Object.values(PATH_MUTATIONS));
  }
  if (headerParams(op).length) rotating.push(...Object.values(HEADER_PARAM_MUTATIONS));
  if (op.body === 'json') rotating.push(...Object.values(BODY_MUTATIONS));
  if (query.length)
    rotating.push(
      ...Object.values(QUERY_MUTATIONS).filter(
        (m) => m !== QUERY_MUTATIONS.cursor && m !== QUERY_MUTATIONS.badText,
      ),
    );
  else rotating.push(QUERY_MUTATIONS.extra);
  return { pinned, rotating };
}

export function queryParams(op: RestOperation): OpenApiParameter[] {
  return (op.operation.parameters ?? []).filter((p) => p.in === 'query');
}

function pickQueryName(ctx: GenContext, op: RestOperation): string {
  const names = queryParams(op).map((p) => p.name);
  return names.length ? ctx.rng.pick(names) : ctx.rng.pick(['limit', 'cursor', 'q']);
}

export function setQuery(d: Draft, name: string, value: string): void {
  d.query = d.query.filter(([k]) => k !== name);
  d.query.push([name, value]);
}
