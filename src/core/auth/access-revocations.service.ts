import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { securityConfig } from '../../config/security.config.js';
import { PgListener } from '../database/pg-listener.js';
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
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly repository: AccessRevocationsRepository,
    private readonly listener: PgListener,
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    // While the connection is down, revocations made elsewhere are missed: on every (re)connect
    // the table is reloaded. Requests keep being served in between (the entries already known
    // still apply); the gauge tells an operator it happened.
    await this.listener.listen(REVOCATIONS_CHANNEL, {
      message: (payload) => this.received(payload),
      connected: async () => {
        await this.reload();
        revocationListenerConnected.set(1);
      },
      disconnected: () => revocationListenerConnected.set(0),
    });
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
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

  private received(payload: string): void {
    try {
      this.apply(JSON.parse(payload) as RevocationMessage);
    } catch (error) {
      this.logger.warn({ err: error }, 'Ignored a malformed revocation notification');
    }
  }

  private async reload(): Promise<void> {
    const rows = await this.repository.live();
    this.entries.session.clear();
    this.entries.user.clear();
    for (const row of rows) this.entries[row.kind].set(row.subject, row.expiresAt.getTime());
    this.updateGauge();
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
