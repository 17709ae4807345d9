import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The NOTIFY side of the PostgreSQL bus; LISTEN is the shared connection (PgListener). */
@Injectable()
export class NotificationBusRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Sends every payload on `channel`, in order, in one statement. */
  async notify(channel: string, payloads: string[]): Promise<void> {
    await this.db.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
      channel,
      payloads,
    ]);
  }
}
