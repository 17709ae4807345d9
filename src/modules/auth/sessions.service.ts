import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { SessionDto } from './dto/auth-payload.dto.js';
import { SessionsRepository } from './sessions.repository.js';

/** The caller's own sessions: list, revoke one, revoke all others. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly events: EventBus,
  ) {}

  async list(actor: AuthUser): Promise<SessionDto[]> {
    const sessions = await this.sessions.listActive(actor.id);
    return sessions.map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      ip: s.ip,
      userAgent: s.userAgent,
      current: s.id === actor.sessionId,
    }));
  }

  /** Another user's session answers 404, like one that does not exist. */
  async revoke(actor: AuthUser, id: string): Promise<void> {
    const session = await this.sessions.getActive(actor.id, id);
    if (!session) throw new AppException('NOT_FOUND', 'Session not found');
    await this.sessions.revoke(id, 'revoked_by_user');
    this.events.emit('auth.session.revoked', { userId: actor.id, sessionId: id });
  }

  async revokeOthers(actor: AuthUser): Promise<number> {
    return this.sessions.revokeAllExcept(actor.id, actor.sessionId, 'revoked_by_user');
  }
}
