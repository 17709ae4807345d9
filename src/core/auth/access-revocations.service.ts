import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import pg from 'pg';
import { securityConfig } from '../../config/security.config.js';
import { DATABASE_URL } from '../database/database-url.provider.js';
import { revocationEntries, revocationListenerConnected } from '../observability/metrics.js';
import {
  AccessRevocationsRepository,
  REVOCATIONS_CHANNEL,
  type RevocationKind,
  type RevocationMessage,
} from './access-revocations.repository.js';
import type { AuthUser } from './auth-user.js';

// Tokens are checked against their own clock with this much tolerance (jwt-verifier.ts).
const CLOCK_SKEW_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * Access tokens are stateless, so ending a session, a ban or a deletion would otherwise leave
 * them valid until they expire. This keeps the revoked session ids and blocked user ids in
 * memory (the guard checks them synchronously: two Map lookups), stores them in PostgreSQL for
 * instances that start later, and spreads them to running instances with LISTEN/NOTIFY.
 * Entries live as long as the longest access token, then nothing they cover can still be valid.
 */
@Injectable()
export class AccessRevocationsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Auth');
  private readonly entries: Record<RevocationKind, Map<string, number>> = {
    session: new Map(),
    user: new Map(),
  };
  private listener?: pg.Client;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly repository: AccessRevocationsRepository,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  /** Whether the token's session was revoked or its user blocked. Synchronous by design. */
  isRevoked(user: AuthUser): boolean {
    const now = Date.now();
    const sessionUntil = user.sessionId ? this.entries.session.get(user.sessionId) : undefined;
    if (sessionUntil !== undefined && sessionUntil > now) return true;
    const userUntil = this.entries.user.get(user.id);
    return userUntil !== undefined && userUntil > now;
  }

  /** Ends the access tokens of these sessions now, on every instance. */
  revokeSessions(ids: string[]): Promise<void> {
    return this.revoke('session', ids);
  }

  /** Ends every access token of these users now (ban, deletion), on every instance. */
  blockUsers(ids: string[]): Promise<void> {
    return this.revoke('user', ids);
  }

  /** Lifts a user block (unban, restore); tokens of revoked sessions stay revoked. */
  async unblockUsers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    this.apply({ op: 'restore', kind: 'user', ids });
    await this.repository.restore('user', ids);
  }

  private async revoke(kind: RevocationKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const expiresAt = Date.now() + this.config.accessTokenTtlSeconds * 1000 + CLOCK_SKEW_MS;
    // Locally first: the caller's next request, on this instance, must already be refused.
    this.apply({ op: 'revoke', kind, ids, expiresAt });
    await this.repository.revoke(kind, ids, new Date(expiresAt));
  }

  private apply(message: RevocationMessage): void {
    const map = this.entries[message.kind];
    for (const id of message.ids) {
      if (message.op === 'restore') map.delete(id);
      else map.set(id, Math.max(map.get(id) ?? 0, message.expiresAt ?? 0));
    }
    this.updateGauge();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'access-revocations',
    });
    client.on('notification', (msg) => {
      if (msg.channel !== REVOCATIONS_CHANNEL || !msg.payload) return;
      try {
        this.apply(JSON.parse(msg.payload) as RevocationMessage);
      } catch (error) {
        this.logger.warn({ err: error }, 'Ignored a malformed revocation notification');
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${REVOCATIONS_CHANNEL}`);
    this.listener = client;
    // Listening first, then loading: nothing committed in between can be missed.
    await this.reload();
    this.reconnectDelay = RECONNECT_MIN_MS;
    revocationListenerConnected.set(1);
  }

  private async reload(): Promise<void> {
    const rows = await this.repository.live();
    this.entries.session.clear();
    this.entries.user.clear();
    for (const row of rows) this.entries[row.kind].set(row.subject, row.expiresAt.getTime());
    this.updateGauge();
  }

  /**
   * The listening connection dropped: revocations made elsewhere meanwhile would be missed, so
   * reconnect with backoff and reload the table. Requests keep being served in between (the
   * entries already known still apply); the gauge tells an operator it happened.
   */
  private lost(client: pg.Client, error?: Error): void {
    if (this.listener !== client || this.stopped) return;
    this.listener = undefined;
    revocationListenerConnected.set(0);
    this.logger.warn({ err: error }, 'Revocation listener disconnected; reconnecting');
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.listen().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Revocation listener could not reconnect');
        this.listener = undefined;
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.reconnectDelay).unref();
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const map of Object.values(this.entries)) {
      for (const [id, until] of map) if (until <= now) map.delete(id);
    }
    this.updateGauge();
    await this.repository.deleteExpired().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Could not delete expired revocations');
    });
  }

  private updateGauge(): void {
    revocationEntries.set({ kind: 'session' }, this.entries.session.size);
    revocationEntries.set({ kind: 'user' }, this.entries.user.size);
  }
}
