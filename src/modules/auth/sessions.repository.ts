import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { AccessRevocationsService } from '../../core/auth/access-revocations.service.js';
import { SessionEntity } from './session.entity.js';

export type SessionLookup =
  | { kind: 'current'; session: SessionEntity }
  | { kind: 'rotated'; session: SessionEntity }
  | { kind: 'unknown' };

@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    private readonly revocations: AccessRevocationsService,
  ) {}

  async create(session: Omit<SessionEntity, 'revokedAt' | 'revokedReason'>): Promise<void> {
    await this.sessions.insert({ ...session, revokedAt: null, revokedReason: null });
  }

  /** Finds the session a refresh token belongs to, telling current from already-rotated tokens. */
  async findByTokenHash(hash: string): Promise<SessionLookup> {
    const current = await this.sessions.findOne({ where: { refreshTokenHash: hash } });
    if (current) return { kind: 'current', session: current };
    const rows: Array<{ session_id: string }> = await this.sessions.query(
      'SELECT session_id FROM rotated_refresh_tokens WHERE token_hash = $1',
      [hash],
    );
    const rotated = rows[0] && (await this.sessions.findOne({ where: { id: rows[0].session_id } }));
    return rotated ? { kind: 'rotated', session: rotated } : { kind: 'unknown' };
  }

  /** Swaps the current token for a new one, only if it is still current (no double spend). */
  async rotate(id: string, oldHash: string, newHash: string, expiresAt: Date): Promise<boolean> {
    return this.sessions.manager.transaction(async (tx) => {
      const result: [unknown[], number] = await tx.query(
        `UPDATE sessions SET refresh_token_hash = $3, expires_at = $4, last_used_at = now()
         WHERE id = $1 AND refresh_token_hash = $2 AND revoked_at IS NULL`,
        [id, oldHash, newHash, expiresAt],
      );
      if (result[1] !== 1) return false;
      await tx.query(
        'INSERT INTO rotated_refresh_tokens (token_hash, session_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [oldHash, id],
      );
      return true;
    });
  }

  async getActive(userId: string, id: string): Promise<SessionEntity | null> {
    return this.sessions.findOne({ where: { id, userId, revokedAt: IsNull() } });
  }

  async listActive(userId: string): Promise<SessionEntity[]> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now()', { userId })
      .orderBy('s.last_used_at', 'DESC')
      .limit(100)
      .getMany();
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
    const [rows]: [Array<{ id: string }>, number] = await this.sessions.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $3
       WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)
       RETURNING id`,
      [userId, keepId ?? null, reason],
    );
    await this.revocations.revokeSessions(rows.map((r) => r.id));
    return rows.length;
  }

  async isActive(id: string): Promise<boolean> {
    const rows = await this.sessions.query(
      'SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()',
      [id],
    );
    return rows.length > 0;
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
    const others = this.sessions
      .createQueryBuilder('s')
      .where('s.userId = :userId AND s.id <> :sessionId', { userId, sessionId });
    if ((await others.clone().getCount()) === 0) return false;
    const since = new Date(Date.now() - days * 86_400_000);
    const seen = others
      .clone()
      .andWhere('s.createdAt > :since', { since })
      .andWhere(ip === null ? 's.ip IS NULL' : 's.ip = :ip', { ip })
      .andWhere(userAgent === null ? 's.userAgent IS NULL' : 's.userAgent = :userAgent', {
        userAgent,
      });
    return (await seen.getCount()) === 0;
  }
}
