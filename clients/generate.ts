import { codegen } from '@graphql-codegen/core';
import * as typescriptPlugin from '@graphql-codegen/typescript';
import { buildSchema, parse, printSchema } from 'graphql';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

/** Generated files are compared byte for byte in CI: no formatter, no lint, edits get lost. */
const HEADER = (source: string, command: string): string =>
  `// Generated from ${source} by ${command}: do not edit.\n`;

export const REST_TYPES_FILE = 'clients/rest/schema.d.ts';
export const GRAPHQL_TYPES_FILE = 'clients/graphql/types.ts';

/** openapi-typescript over the app's OpenAPI document (GET /docs-json). */
export async function restTypes(document: object): Promise<string> {
  const ast = await openapiTS(structuredClone(document) as OpenAPI3, {
    alphabetize: true,
    exportType: false,
  });
  return HEADER('the OpenAPI document (/docs-json)', 'npm run clients') + astToString(ast);
}

/** GraphQL Code Generator's `typescript` plugin over the committed schema.graphql. */
export async function graphqlTypes(sdl: string): Promise<string> {
  const output = await codegen({
    schema: parse(printSchema(buildSchema(sdl))),
    documents: [],
    filename: GRAPHQL_TYPES_FILE,
    config: {},
    plugins: [
      {
        typescript: {
          enumsAsTypes: true,
          useTypeImports: true,
          scalars: { DateTime: 'string', JSON: 'unknown', Upload: 'File' },
        },
      },
    ],
    pluginMap: { typescript: typescriptPlugin },
  });
  return `${HEADER('schema.graphql', 'npm run clients')}${output.trimEnd()}\n`;
}
