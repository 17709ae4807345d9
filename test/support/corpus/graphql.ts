import {
  buildClientSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { malformedGraphqlMultipart } from './multipart.js';
import { Rng } from './prng.js';
import { plausibleString, type JsonSchema } from './schema-values.js';
import {
  deepArray,
  deepObject,
  hostileAny,
  hostileCursor,
  hostileNumber,
  hostileString,
  summarize,
  WRONG_TYPES,
  type GenContext,
  type Targets,
} from './values.js';

/**
 * graphql-js' own introspection query nests 15 deep, past GRAPHQL_MAX_DEPTH; three `ofType`
 * levels spell every type this schema uses (`[X!]!` is the deepest).
 */
export const INTROSPECTION_QUERY = `query CorpusIntrospection {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name
  fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

export interface GqlOperation {
  /** `query.me`, `mutation.login`: how the report and CORPUS_ONLY name it. */
  key: string;
  kind: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  hasUpload: boolean;
}

export interface GqlCase {
  id: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  summary: string;
}

export function schemaFrom(introspection: IntrospectionQuery): GraphQLSchema {
  return buildClientSchema(introspection);
}

export function listGqlOperations(schema: GraphQLSchema): GqlOperation[] {
  const out: GqlOperation[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const hasUpload = field.args.some((a) => getNamedType(a.type).name === 'Upload');
      out.push({ key: `${kind}.${field.name}`, kind, field, hasUpload });
    }
  }
  return out;
}

/** A selection of the scalar fields two levels down (fields with required arguments left out). */
export function selectionFor(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  const parts = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const inner = getNamedType(field.type);
    if (isObjectType(inner)) {
      if (depth < 1) parts.push(`${field.name} ${selectionFor(field.type, depth + 1)}`);
    } else {
      parts.push(field.name);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** A bare GraphQL identifier in a literal (an enum value where a string is expected). */
class Bare {
  constructor(readonly name: string) {}
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** A GraphQL literal for `value`, typed where `type` says (enums bare); iterative, so any depth. */
export function printLiteral(value: unknown, type?: GraphQLInputType): string {
  const out: string[] = [];
  const stack: Array<string | { v: unknown; t?: GraphQLInputType }> = [{ v: value, t: type }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const { v } = item;
    const nullable = item.t ? getNullableType(item.t) : undefined;
    if (v instanceof Bare) out.push(v.name);
    else if (v === null || v === undefined) out.push('null');
    else if (typeof v === 'string') {
      out.push(nullable && isEnumType(nullable) && NAME.test(v) ? v : JSON.stringify(v));
    } else if (typeof v === 'number') out.push(Number.isFinite(v) ? String(v) : '0');
    else if (typeof v === 'boolean') out.push(String(v));
    else if (Array.isArray(v)) {
      const t = nullable && isListType(nullable) ? nullable.ofType : undefined;
      // Pushed in reverse: the stack pops "[" first and "]" last.
      stack.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i], t });
        if (i > 0) stack.push(', ');
      }
      stack.push('[');
    } else {
      const fields = nullable && isInputObjectType(nullable) ? nullable.getFields() : {};
      const keys = Object.keys(v as object);
      stack.push(' }');
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ v: (v as Record<string, unknown>)[keys[i]], t: fields[keys[i]]?.type });
        stack.push(`${i > 0 ? ', ' : ''}${keys[i]}: `);
      }
      stack.push('{ ');
    }
  }
  return out.join('');
}

export interface GqlGen extends GenContext {
  /** REST body schemas by class name: the same input classes back both transports. */
  hints: Record<string, JsonSchema>;
  /** The sort this case uses: plausible `sort` arguments and forged cursors agree on it. */
  sort: string;
  /** Whether the field takes a top-level `sort` argument. */
  sortArg: boolean;
}

export const SORTS = ['-createdAt', 'createdAt', 'email', '-email', '-occurredAt', 'occurredAt'];

export function plausibleInput(
  type: GraphQLInputType,
  ctx: GqlGen,
  name: string,
  full: boolean,
  hint?: JsonSchema,
  depth = 0,
): unknown {
  const { rng } = ctx;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    return Array.from({ length: rng.int(1, 2) }, () =>
      plausibleInput(nullable.ofType, ctx, name, full, hint?.items, depth + 1),
    );
  }
  if (isEnumType(nullable)) return rng.pick(nullable.getValues()).name;
  if (isInputObjectType(nullable)) {
    const schema = ctx.hints[nullable.name];
    const out: Record<string, unknown> = {};
    for (const field of Object.values(nullable.getFields())) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      if (depth < 4 && (full || required || rng.chance(0.3))) {
        out[field.name] = plausibleInput(
          field.type,
          ctx,
          field.name,
          full,
          schema?.properties?.[field.name],
          depth + 1,
        );
      }
    }
    return out;
  }
  if (isScalarType(nullable)) {
    switch (nullable.name) {
      case 'Int':
        return hint?.enum?.length
          ? rng.pick(hint.enum)
          : rng.int(hint?.minimum ?? 1, hint?.maximum ?? 50);
      case 'Float':
        return rng.int(hint?.minimum ?? 1, hint?.maximum ?? 1000);
      case 'Boolean':
        return rng.chance(0.5);
      case 'DateTime':
        return new Date(Date.UTC(2026, rng.int(0, 11), rng.int(1, 28))).toISOString();
      case 'JSON':
        return { a: rng.alnum(4) };
      case 'Upload':
        return null;
      default:
        if (/^sort$/i.test(name)) return ctx.sort;
        if (/^format$/i.test(name) && !hint) return rng.pick(['csv', 'json']);
        if (/^status$/i.test(name) && !hint)
          return rng.pick(['active', 'banned', 'success', 'failure']);
        return plausibleString(ctx, name, hint);
    }
  }
  return null;
}

export type Leaf = { path: Array<string | number>; type?: GraphQLInputType };

/** Every position in `vars` with the input type declared for it (when known). */
function leaves(
  value: unknown,
  type: GraphQLInputType | undefined,
  path: Leaf['path'] = [],
  out: Leaf[] = [],
): Leaf[] {
  if (path.length) out.push({ path, type });
  if (value === null || typeof value !== 'object' || value instanceof Bare || path.length > 6) {
    return out;
  }
  const nullable = type ? getNullableType(type) : undefined;
  if (Array.isArray(value)) {
    value.forEach((v, i) =>
      leaves(v, nullable && isListType(nullable) ? nullable.ofType : undefined, [...path, i], out),
    );
  } else {
    const fields = nullable && isInputObjectType(nullable) ? nullable.getFields() : {};
    for (const [k, v] of Object.entries(value)) leaves(v, fields[k]?.type, [...path, k], out);
  }
  return out;
}

export function setAt(
  root: Record<string, unknown>,
  path: Leaf['path'],
  value: unknown,
  remove = false,
): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  if (remove) delete node[key];
  // defineProperty: a plain assignment to `__proto__` would set the prototype instead.
  else
    Object.defineProperty(node, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

export const namedOf = (type?: GraphQLInputType) => (type ? getNamedType(type).name : undefined);

type GqlMutation = (vars: Record<string, unknown>, leaf: Leaf, ctx: GqlGen) => string;

const MUTATIONS: Record<string, GqlMutation> = {
  hostileOfRightType: (vars, leaf, ctx) => {
    const named = namedOf(leaf.type);
    const value =
      named === 'Int' || named === 'Float'
        ? hostileNumber(ctx.rng)
        : named === 'Boolean'
          ? ctx.rng.chance(0.5)
          : named === 'JSON'
            ? hostileAny(ctx.rng)
            : hostileString(ctx.rng);
    setAt(vars, leaf.path, value);
    return `hostile ${named ?? 'value'} = ${summarize(value, 40)}`;
  },
  wrongType: (vars, leaf, ctx) => {
    const value = ctx.rng.pick(WRONG_TYPES);
    setAt(vars, leaf.path, value);
    return `wrong type = ${summarize(value, 30)}`;
  },
  missing: (vars, leaf) => {
    setAt(vars, leaf.path, undefined, true);
    return 'left out';
  },
  nullValue: (vars, leaf) => {
    setAt(vars, leaf.path, null);
    return 'null';
  },
  extraField: (vars, leaf, ctx) => {
    const extra = { [`unknown${ctx.rng.alnum(3)}`]: hostileAny(ctx.rng) };
    setAt(vars, leaf.path, extra);
    return 'an object with an unknown field';
  },
  intRange: (vars, leaf, ctx) => {
    const value = ctx.rng.pick([2 ** 31, -(2 ** 31) - 1, 1.5, 1e308, -1, 0, 2 ** 53 + 2]);
    setAt(vars, leaf.path, value);
    return `number ${value}`;
  },
  huge: (vars, leaf, ctx) => {
    const value = 'H'.repeat(ctx.rng.pick([10_000, 200_000]));
    setAt(vars, leaf.path, value);
    return `huge string (${value.length})`;
  },
  deep: (vars, leaf, ctx) => {
    const depth = ctx.rng.pick([20, 31, 40, 1_000]);
    setAt(vars, leaf.path, ctx.rng.chance(0.5) ? deepObject(depth) : deepArray(depth));
    return `nested ${depth} deep`;
  },
  listForObject: (vars, leaf, ctx) => {
    setAt(vars, leaf.path, ctx.rng.chance(0.5) ? [] : [{ a: 1 }, 'x']);
    return 'a list';
  },
  protoKey: (vars, leaf) => {
    const obj = {} as Record<string, unknown>;
    Object.defineProperty(obj, '__proto__', {
      value: { polluted: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    setAt(vars, leaf.path, obj);
    return '{ __proto__: ... }';
  },
  cursor: (vars, leaf, ctx) => {
    const value = hostileCursor(ctx);
    setAt(vars, leaf.path, value);
    if (ctx.sortArg) vars.sort = ctx.sort;
    return `cursor ${summarize(value, 60)}${ctx.sortArg ? ` sort ${ctx.sort}` : ''}`;
  },
  bareEnum: (vars, leaf, ctx) => {
    setAt(vars, leaf.path, new Bare(ctx.rng.pick(['FOO', 'true', 'null_', '__proto__'])));
    return 'a bare identifier';
  },
};

/**
 * `count` documents for one root field: even cases pass arguments as variables, odd ones inline
 * them as literals. Cases 0-3 are plausible; the rest mutate one or two argument positions.
 * Upload fields spend their first half on GraphQL multipart requests.
 */
export function buildGqlCases(
  op: GqlOperation,
  seed: number,
  count: number,
  targets: Targets,
  hints: Record<string, JsonSchema>,
): GqlCase[] {
  const cases: GqlCase[] = [];
  const selection = selectionFor(op.field.type);
  for (let index = 0; index < count; index++) {
    const id = `${op.key}#${index}`;
    const rng = Rng.forCase(seed, id);
    const sort = rng.pick(SORTS);
    const ctx: GqlGen = {
      rng,
      targets,
      hints,
      sort,
      sortArg: op.field.args.some((a) => a.name === 'sort'),
      sortTags: [sort, sort, `audit:${sort}`, 'files', 'x'],
    };
    const args = op.field.args;
    const literal = index % 2 === 1;
    const full = index < 2 || (index >= 4 && rng.chance(0.5));
    const vars: Record<string, unknown> = {};
    for (const arg of args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (full || required)
        vars[arg.name] = plausibleInput(
          arg.type,
          ctx,
          arg.name,
          full,
          ctx.hints[namedOf(arg.type) ?? ''],
        );
    }
    const notes: string[] = [index < 4 ? `plausible (${full ? 'all' : 'required'} arguments)` : ''];

    if (op.hasUpload && index < Math.ceil(count / 2)) {
      const fileArg = args.find((a) => getNamedType(a.type).name === 'Upload')!;
      const query = `${op.kind} C(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')}) { r: ${op.field.name}(${args.map((a) => `${a.name}: $${a.name}`).join(', ')}) ${selection} }`;
      const body = malformedGraphqlMultipart(
        rng,
        index,
        query
          .replace(`$${fileArg.name}:`, '$file:')
          .replace(`${fileArg.name}: $${fileArg.name}`, `${fileArg.name}: $file`),
      );
      cases.push({
        id,
        method: 'POST',
        url: '/graphql',
        headers: body.headers,
        payload: body.payload,
        summary: body.summary,
      });
      continue;
    }

    let extraArg = '';
    if (index >= 4) {
      for (const a of args) {
        if (!(a.name in vars)) {
          vars[a.name] = plausibleInput(
            a.type,
            ctx,
            a.name,
            true,
            ctx.hints[namedOf(a.type) ?? ''],
          );
        }
      }
      // Positions of the plausible input; a mutated one and everything under it is used once.
      let open = args.flatMap((a) => leaves(vars[a.name], a.type, [a.name]));
      const rounds = rng.chance(0.3) ? 2 : 1;
      for (let round = 0; round < rounds; round++) {
        if (open.length === 0 || rng.chance(0.15)) {
          const declared = new Set(args.map((a) => a.name));
          const name = rng.pick(
            ['unknownArg', 'limit', '__proto__', 'id'].filter((n) => !declared.has(n)),
          );
          extraArg = `${name}: ${printLiteral(hostileAny(rng))}`;
          notes.push(`an argument the field does not declare (${extraArg.slice(0, 40)})`);
          continue;
        }
        // Cases 4 and 5 (variables, literals) always put a hostile string into an ID, so an id
        // that reaches a uuid column unchecked shows up under every seed.
        const ids = open.filter((l) => namedOf(l.type) === 'ID');
        const pinned = round === 0 && index < 6 && ids.length > 0;
        const leaf = pinned ? rng.pick(ids) : rng.pick(open);
        const names = Object.keys(MUTATIONS).filter((n) => n !== 'bareEnum' || literal);
        const name = pinned
          ? 'hostileOfRightType'
          : /cursor/i.test(String(leaf.path[leaf.path.length - 1])) && rng.chance(0.6)
            ? 'cursor'
            : rng.pick(names);
        notes.push(`${leaf.path.join('.')}: ${MUTATIONS[name](vars, leaf, ctx)}`);
        const under = (l: Leaf) => leaf.path.every((k, i) => l.path[i] === k);
        const above = (l: Leaf) => l.path.every((k, i) => leaf.path[i] === k);
        open = open.filter((l) => !under(l) && !above(l));
      }
    }

    const present = args.filter((a) => a.name in vars);
    let query: string;
    let variables: Record<string, unknown> | undefined;
    if (literal) {
      const argText = present.map(
        (a: GraphQLArgument) => `${a.name}: ${printLiteral(vars[a.name], a.type)}`,
      );
      if (extraArg) argText.push(extraArg);
      query = `${op.kind} { r: ${op.field.name}${argText.length ? `(${argText.join(', ')})` : ''} ${selection} }`;
    } else {
      // Every declared argument gets a variable; a variable left out of `variables` tests "missing".
      const defs = args.map((a) => `$${a.name}: ${String(a.type)}`);
      const uses = args.map((a) => `${a.name}: $${a.name}`);
      if (extraArg) uses.push(extraArg);
      query = `${op.kind} C${defs.length ? `(${defs.join(', ')})` : ''} { r: ${op.field.name}${uses.length ? `(${uses.join(', ')})` : ''} ${selection} }`;
      variables = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [k, v instanceof Bare ? v.name : v]),
      );
    }
    const payload = JSON.stringify({ query, variables });
    notes.push(literal ? 'literals' : `variables=${summarize(variables, 120)}`);
    cases.push({
      id,
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json' },
      payload,
      summary: notes.filter(Boolean).join('; '),
    });
  }
  return cases;
}
