import { malformedMultipart } from './multipart.js';
import { hash32, Rng } from './prng.js';
import { mutationSlots, type Draft } from './rest-mutations.js';
import { plausibleString, plausibleValue, resolverFor, type JsonSchema } from './schema-values.js';
import {
  encodeAny,
  hostileAny,
  pickTargetId,
  summarize,
  type GenContext,
  type Targets,
} from './values.js';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestOperation {
  /** `METHOD /path/{param}`, as the report and CORPUS_ONLY name it. */
  key: string;
  method: HttpMethod;
  path: string;
  operation: OpenApiOperation;
  body: 'none' | 'json' | 'multipart';
  /** Set when the corpus has no generator for this operation: it fails the coverage check. */
  unsupported?: string;
}

export interface RestCase {
  id: string;
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  summary: string;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export function listOperations(doc: OpenApiDocument): RestOperation[] {
  const out: RestOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const types = Object.keys(operation.requestBody?.content ?? {});
      const unsupportedParams = (operation.parameters ?? []).filter(
        (p) => p.in !== 'path' && p.in !== 'query' && p.in !== 'header',
      );
      let body: RestOperation['body'] = 'none';
      let unsupported: string | undefined;
      if (types.includes('application/json')) body = 'json';
      else if (types.includes('multipart/form-data')) body = 'multipart';
      else if (types.length > 0) unsupported = `request body ${types.join(', ')}`;
      if (unsupportedParams.length > 0) {
        unsupported = `parameters in ${unsupportedParams.map((p) => `${p.in}:${p.name}`).join(', ')}`;
      }
      out.push({
        key,
        method: method.toUpperCase() as HttpMethod,
        path,
        operation,
        body,
        unsupported,
      });
    }
  }
  return out;
}

/** The sort values an operation's `sort` parameter allows (none when it has no such parameter). */
function sortValues(operation: OpenApiOperation): string[] {
  return (operation.parameters ?? [])
    .filter((p) => p.name === 'sort')
    .flatMap((p) => (p.schema?.enum ?? []).map(String));
}

/**
 * Sort tags a cursor may carry: the one this case sorts by (so a forged cursor passes the sort
 * check and reaches the keyset query), the API's other spellings, and a near miss.
 */
export function sortTagsFor(sort: string | undefined): string[] {
  const own = sort ? [sort, sort, `audit:${sort}`] : [];
  return [...own, 'files', 'audit:-occurredAt', 'audit:occurredAt', 'x'];
}

function plausibleHeader(ctx: GenContext, name: string): string {
  if (/timestamp/i.test(name)) return String(Math.floor(Date.now() / 1000));
  if (/signature/i.test(name))
    return `v1,${Buffer.from(ctx.rng.hex(64), 'hex').toString('base64')}`;
  return `corpus_${ctx.rng.alnum(12)}`;
}

export function plausiblePath(ctx: GenContext, param: OpenApiParameter): string {
  if (/id$/i.test(param.name)) return pickTargetId(ctx);
  if (param.name === 'role') return ctx.rng.pick(['user', 'admin', 'support', 'nope']);
  return plausibleString(ctx, param.name, param.schema);
}

/**
 * `count` cases for one operation: the first two plausible (every field, then the required ones),
 * the rest with one or two mutations each, drawn from a generator seeded by (seed, case id).
 */
export function buildRestCases(
  doc: OpenApiDocument,
  op: RestOperation,
  seed: number,
  count: number,
  targets: Targets,
): RestCase[] {
  const resolve = resolverFor(doc.components?.schemas ?? {});
  const cases: RestCase[] = [];
  for (let index = 0; index < count; index++) {
    const id = `${op.key}#${index}`;
    const rng = Rng.forCase(seed, id);
    const sorts = sortValues(op.operation);
    const sort = sorts.length ? rng.pick(sorts) : undefined;
    const ctx: GenContext = { rng, targets, sortTags: sortTagsFor(sort) };
    const full = index !== 1;
    const draft: Draft = { path: {}, query: [], body: undefined, headers: {}, notes: [], sort };
    for (const param of op.operation.parameters ?? []) {
      if (param.in === 'path') draft.path[param.name] = encodeAny(plausiblePath(ctx, param));
      else if (param.in === 'header') draft.headers[param.name] = plausibleHeader(ctx, param.name);
      else if (param.in === 'query' && (param.required || (full && ctx.rng.chance(0.5)))) {
        const value =
          param.name === 'sort' && sort
            ? sort
            : plausibleValue(resolve, param.schema ?? {}, ctx, param.name, full);
        draft.query.push([param.name, encodeAny(String(value))]);
      }
    }
    if (op.body === 'json') {
      draft.body = plausibleValue(
        resolve,
        op.operation.requestBody?.content['application/json']?.schema ?? {},
        ctx,
        '',
        full,
      );
    }
    let multipartCase: ReturnType<typeof malformedMultipart> | undefined;
    if (index < 2) {
      draft.notes.push(full ? 'plausible (all fields)' : 'plausible (required fields)');
      if (op.body === 'multipart') multipartCase = malformedMultipart(ctx.rng, index);
    } else {
      const { pinned, rotating } = mutationSlots(op, Object.keys(draft.path).length > 0);
      const slot = index - 2;
      const offset = hash32(`${seed}|${op.key}`);
      const primary =
        slot < pinned.length
          ? pinned[slot]
          : rotating[(slot - pinned.length + offset) % rotating.length];
      primary(draft, ctx, op, resolve);
      if (ctx.rng.chance(0.3)) ctx.rng.pick(rotating)(draft, ctx, op, resolve);
      if (op.body === 'multipart') {
        multipartCase = malformedMultipart(ctx.rng, index);
      } else if (op.body === 'none' && op.method !== 'GET' && ctx.rng.chance(0.3)) {
        draft.body = { unexpected: hostileAny(ctx.rng) };
        draft.notes.push('a body where none is expected');
      }
    }
    let url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => draft.path[name] ?? '');
    if (draft.query.length) url += `?${draft.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
    const headers = { ...draft.headers };
    let payload: string | Buffer | undefined;
    if (multipartCase) {
      payload = multipartCase.payload;
      Object.assign(headers, multipartCase.headers);
      draft.notes.push(multipartCase.summary);
    } else if (draft.raw) {
      payload = draft.raw.payload;
      if (draft.raw.contentType) headers['content-type'] = draft.raw.contentType;
    } else if (draft.body !== undefined) {
      payload = JSON.stringify(draft.body);
      headers['content-type'] = 'application/json';
    }
    const bodyNote =
      draft.raw || multipartCase
        ? ''
        : draft.body === undefined
          ? ''
          : ` body=${summarize(draft.body)}`;
    cases.push({
      id,
      method: op.method,
      url,
      headers,
      payload,
      summary: `${draft.notes.join('; ')}${bodyNote}`,
    });
  }
  return cases;
}
