import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { keysetPage, SqlConditions } from '../../core/database/keyset-page.js';
import { poolQuery } from '../../core/database/pool-query.js';
import { preparedStatement } from '../../core/database/prepared-statement.js';
import { AccessRevocationsService } from '../../core/auth/access-revocations.service.js';
import { RotatedRefreshTokenEntity } from './rotated-refresh-token.entity.js';
import { SessionEntity } from './session.entity.js';

/** A session with its cursor key: created_at as text to the microsecond. */
export type ActiveSessionRow = SessionEntity & { sortKey: string };

/** A listed session: every column but the refresh token's hash. */
const SESSION_COLUMNS = `s.id, s.user_id AS "userId", s.ip, s.user_agent AS "userAgent",
  s.created_at AS "createdAt", s.last_used_at AS "lastUsedAt", s.expires_at AS "expiresAt",
  s.absolute_expires_at AS "absoluteExpiresAt", s.revoked_at AS "revokedAt",
  s.revoked_reason AS "revokedReason"`;

export type SessionLookup =
  | { kind: 'current'; session: SessionEntity }
  | { kind: 'rotated'; session: SessionEntity }
  | { kind: 'unknown' };

/** Whether the user has other sessions, and one of them from this IP and user agent lately. */
const NEW_DEVICE = `SELECT
  EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND id <> $2) AS others,
  EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND id <> $2 AND created_at > $3
          AND ip IS NOT DISTINCT FROM $4::varchar
          AND user_agent IS NOT DISTINCT FROM $5::varchar) AS seen`;

@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    @InjectRepository(RotatedRefreshTokenEntity)
    private readonly rotated: Repository<RotatedRefreshTokenEntity>,
    private readonly revocations: AccessRevocationsService,
  ) {}

  async create(session: Omit<SessionEntity, 'revokedAt' | 'revokedReason'>): Promise<void> {
    await this.sessions.insert({ ...session, revokedAt: null, revokedReason: null });
  }

  /** Finds the session a refresh token belongs to, telling current from already-rotated tokens. */
  async findByTokenHash(hash: string): Promise<SessionLookup> {
    const current = await this.sessions.findOne({ where: { refreshTokenHash: hash } });
    if (current) return { kind: 'current', session: current };
    const token = await this.rotated.findOneBy({ tokenHash: hash });
    const rotated = token && (await this.sessions.findOneBy({ id: token.sessionId }));
    return rotated ? { kind: 'rotated', session: rotated } : { kind: 'unknown' };
  }

  /** Swaps the current token for a new one, only if it is still current (no double spend). */
  async rotate(id: string, oldHash: string, newHash: string, expiresAt: Date): Promise<boolean> {
    return this.sessions.manager.transaction(async (tx) => {
      const { affected } = await tx
        .createQueryBuilder()
        .update(SessionEntity)
        .set({ refreshTokenHash: newHash, expiresAt, lastUsedAt: () => 'now()' })
        .where('id = :id AND refresh_token_hash = :oldHash AND revoked_at IS NULL', { id, oldHash })
        .execute();
      if (affected !== 1) return false;
      await tx
        .createQueryBuilder()
        .insert()
        .into(RotatedRefreshTokenEntity)
        .values({ tokenHash: oldHash, sessionId: id })
        .orIgnore()
        .execute();
      return true;
    });
  }

  async getActive(userId: string, id: string): Promise<SessionEntity | null> {
    return this.sessions.findOne({ where: { id, userId, revokedAt: IsNull() } });
  }

  /**
   * `limit + 1` active sessions of the user after the keyset, newest first on (created_at, id)
   * (the sessions_user_idx order), and how many active sessions there are in all.
   */
  async pageActive(
    userId: string,
    limit: number,
    after?: { key: string; id: string },
  ): Promise<{ rows: ActiveSessionRow[]; totalCount: number }> {
    const { rows, total } = await keysetPage<Omit<SessionEntity, 'refreshTokenHash'>>(
      this.sessions.manager,
      {
        columns: SESSION_COLUMNS,
        from: 'sessions s',
        where: new SqlConditions().add(
          's.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > now()',
          userId,
        ),
        sortColumn: 's.created_at',
        idColumn: 's.id',
        idType: 'uuid',
        direction: 'DESC',
      },
      limit,
      after,
    );
    return { rows: rows as ActiveSessionRow[], totalCount: total };
  }

  // Every revocation goes through here, so the session's access tokens end with it.
  async revoke(id: string, reason: string): Promise<void> {
    await this.sessions.update(
      { id, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
    await this.revocations.revokeSessions([id]);
  }

  /** Revokes every other active session of the user; returns how many. */
  async revokeAllExcept(
    userId: string,
    keepId: string | undefined,
    reason: string,
  ): Promise<number> {
    const update = this.sessions
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId })
      .returning('id');
    if (keepId) update.andWhere('id <> :keepId', { keepId });
    const rows = (await update.execute()).raw as Array<{ id: string }>;
    await this.revocations.revokeSessions(rows.map((r) => r.id));
    return rows.length;
  }

  isActive(id: string): Promise<boolean> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.id = :id AND s.revoked_at IS NULL AND s.expires_at > now()', { id })
      .getExists();
  }

  /**
   * Deletes up to `limit` rotated refresh tokens of sessions that have ended (revoked or
   * expired): no refresh can succeed on such a session, so a reuse has nothing left to revoke.
   */
  async purgeRotatedOfEnded(limit: number): Promise<number> {
    const [, count]: [unknown[], number] = await this.rotated.query(
      `DELETE FROM rotated_refresh_tokens WHERE token_hash IN (
         SELECT r.token_hash FROM rotated_refresh_tokens r JOIN sessions s ON s.id = r.session_id
         WHERE s.revoked_at IS NOT NULL OR s.expires_at <= now()
         LIMIT $1)`,
      [limit],
    );
    return count;
  }

  /** Deletes up to `limit` sessions that ended (revoked or expired) more than `days` ago. */
  async purgeEndedBefore(days: number, limit: number): Promise<number> {
    const [, count]: [unknown[], number] = await this.sessions.query(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions
         WHERE revoked_at < now() - make_interval(days => $1)
            OR expires_at < now() - make_interval(days => $1)
         LIMIT $2)`,
      [days, limit],
    );
    return count;
  }

  /**
   * Whether a sign-in from this IP and user agent is new for the user: another of their sessions
   * exists, but none with the same pair created within `days`. The first session is not "new".
   */
  async isNewDevice(
    userId: string,
    sessionId: string,
    ip: string | null,
    userAgent: string | null,
    days: number,
  ): Promise<boolean> {
    // One prepared statement per sign-in (it runs for every login): EXISTS, not two counts.
    const statement = preparedStatement('sessions_new_device', NEW_DEVICE);
    const since = new Date(Date.now() - days * 86_400_000);
    const [row] = await poolQuery<{ others: boolean; seen: boolean }>(
      this.sessions.manager,
      statement,
      [userId, sessionId, since, ip, userAgent],
    );
    return Boolean(row?.others) && !row?.seen;
  }
}
