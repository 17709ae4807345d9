import pg from 'pg';

/**
 * pg emits 'error' on a client whose connection dies; pg-pool listens only while the client is
 * idle, so a connection lost while checked out (a query, a transaction, a migration) would be an
 * uncaught exception and end the process — during a database restart, when the app should keep
 * answering 503 and recover. The query in flight still rejects with the error; this only keeps
 * the event from being unhandled. Given to every pool: TypeORM's and BullMQ's PostgreSQL backend.
 */
export class SafePgClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}
