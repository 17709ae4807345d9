import { isoDate, pickTargetId, timestampKey, type GenContext } from './values.js';

/** The subset of JSON Schema that @nestjs/swagger writes. */
export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  $ref?: string;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  default?: unknown;
}

export type SchemaResolver = (schema: JsonSchema) => JsonSchema;

/** Resolves `$ref` and a single-member `allOf` (how swagger wraps a referenced property). */
export function resolverFor(components: Record<string, JsonSchema>): SchemaResolver {
  return function resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let hops = 0; hops < 16; hops++) {
      if (current.$ref) {
        const name = current.$ref.replace('#/components/schemas/', '');
        const target = components[name];
        if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
        current = target;
      } else if (current.allOf?.length === 1) {
        current = current.allOf[0];
      } else {
        return current;
      }
    }
    throw new Error('$ref chain too long');
  };
}

/** A plausible string for a field, from its schema and, failing that, its name. */
export function plausibleString(ctx: GenContext, name: string, schema: JsonSchema = {}): string {
  const { rng } = ctx;
  if (schema.enum?.length) return String(rng.pick(schema.enum));
  if (schema.format === 'uuid') return pickTargetId(ctx);
  if (schema.format === 'date-time') return isoDate(rng);
  if (schema.format === 'email' || /email/i.test(name))
    return `corpus-${rng.alnum(10)}@example.com`;
  if (/cursor/i.test(name)) {
    const tag = rng.pick(ctx.sortTags);
    return Buffer.from(JSON.stringify([tag, timestampKey(rng), rng.uuid()])).toString('base64url');
  }
  if (/^id$|Id$|Ids$/.test(name)) return pickTargetId(ctx);
  if (/until|from$|^to$|after|before|At$/i.test(name)) return isoDate(rng);
  if (/role/i.test(name)) return rng.pick(['user', 'admin', 'support', `r${rng.alnum(4)}`]);
  if (/password/i.test(name)) return `Corpus-${rng.alnum(rng.int(10, 24))}`;
  if (/otp|code/i.test(name)) return String(rng.int(0, 999_999)).padStart(6, '0');
  if (/timezone/i.test(name))
    return rng.pick(['Europe/Kyiv', 'UTC', 'America/New_York', 'Mars/Base']);
  if (/locale/i.test(name)) return rng.pick(['uk-UA', 'en', 'zz-ZZ', 'de-DE-x-private']);
  const min = schema.minLength ?? 1;
  const max = Math.max(min, Math.min(schema.maxLength ?? 24, 24));
  if (schema.pattern) {
    const re = new RegExp(schema.pattern);
    for (let tries = 0; tries < 20; tries++) {
      const candidate = rng.alnum(rng.int(min, max));
      if (re.test(candidate)) return candidate;
    }
  }
  return rng.alnum(rng.int(min, max));
}

/**
 * A value the schema accepts, or close to it: every property when `full`, else the required ones
 * (optional ones with a coin toss).
 */
export function plausibleValue(
  resolve: SchemaResolver,
  raw: JsonSchema,
  ctx: GenContext,
  name = '',
  full = true,
  depth = 0,
): unknown {
  const schema = resolve(raw);
  const { rng } = ctx;
  if (schema.enum?.length) return rng.pick(schema.enum);
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (schema.oneOf?.length || schema.anyOf?.length) {
    return plausibleValue(resolve, rng.pick(schema.oneOf ?? schema.anyOf ?? []), ctx, name, full);
  }
  switch (type) {
    case 'string':
      return plausibleString(ctx, name, schema);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 1;
      const max = schema.maximum ?? Math.max(min, 100);
      return rng.int(Math.ceil(min), Math.floor(max));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.max(min, Math.min(schema.maxItems ?? 3, 3));
      return Array.from({ length: rng.int(Math.max(min, 1), max) }, () =>
        plausibleValue(resolve, schema.items ?? {}, ctx, name, full, depth + 1),
      );
    }
    case 'object': {
      if (depth > 6) return {};
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        if (full || required.has(key) || rng.chance(0.3)) {
          out[key] = plausibleValue(resolve, prop, ctx, key, full, depth + 1);
        }
      }
      return out;
    }
    default:
      return rng.alnum(8);
  }
}
