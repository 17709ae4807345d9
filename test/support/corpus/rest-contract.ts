import {
  plausiblePath,
  type OpenApiParameter,
  type RestCase,
  type RestOperation,
} from './openapi.js';
import { Rng } from './prng.js';
import {
  plausibleValue,
  resolverFor,
  type JsonSchema,
  type SchemaResolver,
} from './schema-values.js';
import {
  encodeAny,
  MALFORMED_CURSORS,
  MALFORMED_IDS,
  overLong,
  summarize,
  type GenContext,
  type Targets,
} from './values.js';
import type { OpenApiDocument } from './openapi.js';

/** A case of the contract walk: it must be refused as invalid input that names `field`. */
export interface ContractCase extends RestCase {
  field: string;
}

/**
 * Where a UUID belongs: declared `format: uuid` (ID in GraphQL), or a path parameter named like
 * an id (`id`, `jobId`), so a new route that forgets `UuidParam` is caught too. Free-text fields
 * such as the audit filter's `entityId` are named like ids but hold any string.
 */
const isUuidPosition = (schema: JsonSchema, name: string, where: Where) =>
  schema.format === 'uuid' || (where === 'path' && /^id$|Id$/.test(name));

type Where = 'path' | 'query' | 'body';

/** An empty string breaks this schema too (a format, a choice, a pattern or a minimum length). */
const emptyIsInvalid = (schema: JsonSchema) =>
  Boolean(schema.format || schema.enum?.length || schema.pattern || (schema.minLength ?? 0) > 0);

/** The malformed values a string position gets: ids, cursors, then too long (and empty). */
export function malformedStrings(
  name: string,
  schema: JsonSchema,
  where: Where,
): Array<[label: string, value: string]> {
  if (isUuidPosition(schema, name, where)) {
    // An empty path segment matches another route (or none): only query and body get one.
    const ids = where === 'path' ? MALFORMED_IDS : [...MALFORMED_IDS, ''];
    return ids.map((id) => [`malformed id ${summarize(id, 50)}`, id]);
  }
  if (/cursor/i.test(name))
    return MALFORMED_CURSORS.map((c) => [`malformed cursor ${summarize(c, 40)}`, c]);
  if (schema.type !== 'string' || where === 'path') return [];
  const out: Array<[string, string]> = [
    [`over-long string (${overLong(schema.maxLength).length})`, overLong(schema.maxLength)],
  ];
  if (emptyIsInvalid(schema)) out.push(['empty string', '']);
  return out;
}

interface BodyLeaf {
  path: Array<string | number>;
  schema: JsonSchema;
}

/** Every string position of a plausible body, with the schema that describes it. */
function bodyLeaves(
  value: unknown,
  raw: JsonSchema,
  resolve: SchemaResolver,
  path: BodyLeaf['path'] = [],
  out: BodyLeaf[] = [],
): BodyLeaf[] {
  const schema = resolve(raw);
  if (typeof value === 'string') out.push({ path, schema });
  else if (Array.isArray(value)) {
    value.forEach((v, i) => bodyLeaves(v, schema.items ?? {}, resolve, [...path, i], out));
  } else if (value && typeof value === 'object' && path.length < 6) {
    for (const [key, child] of Object.entries(value)) {
      bodyLeaves(child, schema.properties?.[key] ?? {}, resolve, [...path, key], out);
    }
  }
  return out;
}

const fieldOf = (path: BodyLeaf['path']) => path.filter((k) => typeof k === 'string').join('.');

function withValueAt(body: unknown, path: BodyLeaf['path'], value: string): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

/**
 * The contract walk of one operation: for every id, cursor and string it takes (path, query or
 * JSON body), each malformed value in turn, the rest of the request plausible. Generated from
 * the OpenAPI document, so a new route is walked as soon as it is declared.
 */
export function buildRestContractCases(
  doc: OpenApiDocument,
  op: RestOperation,
  seed: number,
  targets: Targets,
): ContractCase[] {
  const resolve = resolverFor(doc.components?.schemas ?? {});
  const params = op.operation.parameters ?? [];
  const ctx: GenContext = {
    rng: Rng.forCase(seed, `${op.key}#contract`),
    targets,
    sortTags: ['x'],
  };
  const path = Object.fromEntries(
    params.filter((p) => p.in === 'path').map((p) => [p.name, encodeAny(plausiblePath(ctx, p))]),
  );
  const requiredQuery = (except: string): Array<[string, string]> =>
    params
      .filter((p) => p.in === 'query' && p.required && p.name !== except)
      .map((p) => [
        p.name,
        encodeAny(String(plausibleValue(resolve, p.schema ?? {}, ctx, p.name))),
      ]);
  const schema = op.operation.requestBody?.content['application/json']?.schema;
  const body = op.body === 'json' && schema ? plausibleValue(resolve, schema, ctx) : undefined;

  const cases: ContractCase[] = [];
  const push = (
    field: string,
    label: string,
    parts: { path?: Record<string, string>; query?: Array<[string, string]>; body?: unknown },
  ) => {
    const pathValues = { ...path, ...parts.path };
    let url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => pathValues[name] ?? '');
    const query = parts.query ?? requiredQuery('');
    if (query.length) url += `?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
    const payload = parts.body ?? body;
    cases.push({
      id: `${op.key}#contract-${cases.length}`,
      method: op.method,
      url,
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      payload: payload === undefined ? undefined : JSON.stringify(payload),
      summary: `${field}: ${label}`,
      field,
    });
  };

  for (const param of params.filter((p): p is OpenApiParameter => p.in !== 'header')) {
    const where = param.in === 'path' ? 'path' : 'query';
    for (const [label, value] of malformedStrings(param.name, resolve(param.schema ?? {}), where)) {
      if (where === 'path') push(param.name, label, { path: { [param.name]: encodeAny(value) } });
      else {
        push(param.name, label, {
          query: [...requiredQuery(param.name), [param.name, encodeAny(value)]],
        });
      }
    }
  }
  if (body !== undefined && schema) {
    // A body that is one string (a raw webhook) has no field to name.
    for (const leaf of bodyLeaves(body, schema, resolve).filter((l) => l.path.length > 0)) {
      const name = String(leaf.path.findLast((k) => typeof k === 'string') ?? '');
      for (const [label, value] of malformedStrings(name, leaf.schema, 'body')) {
        push(fieldOf(leaf.path), label, { body: withValueAt(body, leaf.path, value) });
      }
    }
  }
  return cases;
}
