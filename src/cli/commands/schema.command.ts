import { writeFileSync } from 'node:fs';
import type { CliCommand } from '../cli-command.js';
import { print } from '../cli-command.js';
import { withApp } from '../cli-runtime.js';

export const schemaCommand: CliCommand = {
  name: 'schema',
  args: '',
  summary: 'write the GraphQL schema to schema.graphql',
  run: () =>
    withApp(async (app) => {
      const { GraphQLSchemaHost } = await import('@nestjs/graphql');
      const { lexicographicSortSchema, printSchema } = await import('graphql');
      const schema = app.get(GraphQLSchemaHost).schema;
      writeFileSync('schema.graphql', `${printSchema(lexicographicSortSchema(schema))}\n`);
      print('wrote schema.graphql');
    }),
};
