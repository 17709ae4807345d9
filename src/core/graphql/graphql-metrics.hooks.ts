import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { graphqlOperationDuration, graphqlOperationsTotal } from '../observability/metrics.js';
import { operationLabel } from './operation-name.js';

const START = Symbol('graphqlStart');
type TimedContext = MercuriusContext & {
  [START]?: { at: bigint; type: string; operation: string };
};

function describe(document: DocumentNode, name?: string) {
  const ops = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
  );
  const op = (name && ops.find((o) => o.name?.value === name)) || ops[0];
  return { type: op?.operation ?? 'query', operation: operationLabel(op?.name?.value) };
}

/** The operation label recorded for this request (falls back to the client-sent name). */
export function operationOf(context: MercuriusContext): string {
  const start = (context as TimedContext)[START];
  if (start) return start.operation;
  const body = context.reply?.request?.body as { operationName?: string } | undefined;
  return operationLabel(body?.operationName);
}

/** Mercurius hooks: count and time every operation by type and name. */
export const graphqlMetricsHooks = {
  preExecution: async (_schema: unknown, document: DocumentNode, context: MercuriusContext) => {
    const body = context.reply?.request?.body as { operationName?: string } | undefined;
    (context as TimedContext)[START] = {
      at: process.hrtime.bigint(),
      ...describe(document, body?.operationName),
    };
  },
  onResolution: async (_execution: unknown, context: MercuriusContext) => {
    const start = (context as TimedContext)[START];
    if (!start) return;
    const labels = { type: start.type, operation: start.operation };
    graphqlOperationsTotal.inc(labels);
    graphqlOperationDuration.observe(labels, Number(process.hrtime.bigint() - start.at) / 1e9);
  },
};
