import {
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import {
  plausibleInput,
  selectionFor,
  setAt,
  SORTS,
  type GqlCase,
  type GqlGen,
  type GqlOperation,
} from './graphql.js';
import { Rng } from './prng.js';
import { malformedStrings } from './rest-contract.js';
import { resolverFor, type JsonSchema } from './schema-values.js';
import type { Targets } from './values.js';

/** A case of the contract walk: it must answer BAD_USER_INPUT naming `field`. */
export interface GqlContractCase extends GqlCase {
  field: string;
}

interface Position {
  path: Array<string | number>;
  /** ID or String. */
  scalar: string;
  /** The REST schema of the same input class, when there is one (bounds, formats, choices). */
  hint: JsonSchema;
}

/** Every ID and String position of `value`, with the REST hint of its input class. */
function positions(
  value: unknown,
  type: GraphQLInputType,
  hint: JsonSchema,
  hints: Record<string, JsonSchema>,
  path: Position['path'],
  out: Position[] = [],
): Position[] {
  const resolve = resolverFor(hints);
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) {
    value.forEach((v, i) =>
      positions(v, nullable.ofType, resolve(hint.items ?? {}), hints, [...path, i], out),
    );
  } else if (isInputObjectType(nullable) && value && typeof value === 'object') {
    const own = hints[nullable.name] ?? hint;
    for (const [key, field] of Object.entries(nullable.getFields())) {
      if (!(key in value)) continue;
      const child = resolve(own.properties?.[key] ?? {});
      positions(
        (value as Record<string, unknown>)[key],
        field.type,
        child,
        hints,
        [...path, key],
        out,
      );
    }
  } else if (isScalarType(nullable) && (nullable.name === 'ID' || nullable.name === 'String')) {
    out.push({ path, scalar: nullable.name, hint });
  }
  return out;
}

/** `page.cursor` stays where it is; the other arguments go (a bad filter must not hide it). */
function onlyPath(path: Position['path']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let node: Record<string | number, unknown> = out;
  for (const key of path.slice(0, -1)) node = node[key] = {} as Record<string | number, unknown>;
  return out;
}

/**
 * The contract walk of one root field: every ID and String position of its arguments (nested
 * inputs and lists included) gets each malformed id, cursor or string in turn, sent as variables
 * with the other arguments plausible. Upload fields are left to the multipart corpus.
 */
export function buildGqlContractCases(
  op: GqlOperation,
  seed: number,
  targets: Targets,
  hints: Record<string, JsonSchema>,
): GqlContractCase[] {
  if (op.hasUpload) return [];
  const rng = Rng.forCase(seed, `${op.key}#contract`);
  const sort = rng.pick(SORTS);
  const ctx: GqlGen = {
    rng,
    targets,
    hints,
    sort,
    sortArg: op.field.args.some((a) => a.name === 'sort'),
    sortTags: [sort],
  };
  const args = op.field.args;
  const vars: Record<string, unknown> = {};
  for (const arg of args) {
    const named = getNullableType(arg.type);
    const hint = isInputObjectType(named) ? (hints[named.name] ?? {}) : {};
    vars[arg.name] = plausibleInput(arg.type, ctx, arg.name, true, hint);
  }
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`);
  const uses = args.map((a) => `${a.name}: $${a.name}`);
  const query = `${op.kind} C${defs.length ? `(${defs.join(', ')})` : ''} { r: ${op.field.name}${uses.length ? `(${uses.join(', ')})` : ''} ${selectionFor(op.field.type)} }`;
  const cases: GqlContractCase[] = [];
  for (const arg of args) {
    for (const position of positions(vars[arg.name], arg.type, {}, hints, [arg.name])) {
      const name = String(position.path.findLast((k) => typeof k === 'string'));
      const schema: JsonSchema =
        position.scalar === 'ID'
          ? { type: 'string', format: 'uuid' }
          : { type: 'string', ...position.hint };
      const cursor = /cursor/i.test(name);
      for (const [label, value] of malformedStrings(name, schema, 'body')) {
        const variables = structuredClone(cursor ? onlyPath(position.path) : vars);
        // A required argument left out would fail coercion before validation: keep them all.
        for (const a of args) {
          if (isNonNullType(a.type) && !(a.name in variables)) variables[a.name] = vars[a.name];
        }
        setAt(variables, position.path, value);
        const field = position.path.filter((k) => typeof k === 'string').join('.');
        cases.push({
          id: `${op.key}#contract-${cases.length}`,
          method: 'POST',
          url: '/graphql',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ query, variables }),
          summary: `${field}: ${label}`,
          field,
        });
      }
    }
  }
  return cases;
}
