/** How a start retries its first PostgreSQL connection (TypeORM's, the queue schema's). */
export const DATABASE_START_RETRY = { attempts: 3, delayMs: 1_000 } as const;
