import type { FastifyInstance } from 'fastify';

/** Refuses GraphQL batches with more operations than allowed, before any of them runs. */
export function registerGraphqlBatchLimit(app: FastifyInstance, maxBatch: number): void {
  app.addHook('preHandler', (request, reply, done) => {
    if (request.routeOptions.url !== '/graphql' || !Array.isArray(request.body)) return done();
    if (request.body.length <= maxBatch) return done();
    void reply.status(400).send({
      data: null,
      errors: [
        {
          message: `A batch may hold at most ${maxBatch} operations`,
          extensions: { code: 'QUERY_TOO_COMPLEX', requestId: request.id },
        },
      ],
    });
  });
}
