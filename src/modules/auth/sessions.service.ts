import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { AppException } from '../../core/errors/app.exception.js';
import { EventBus } from '../../core/events/event-bus.js';
import { decodeCursor, encodeCursor, isTimestampKey } from '../../core/pagination/cursor.js';
import { DEFAULT_PAGE_LIMIT, type PageArgs } from '../../core/pagination/page.args.js';
import { type Page, toPage } from '../../core/pagination/page.js';
import type { SessionDto } from './dto/auth-payload.dto.js';
import { SessionsRepository } from './sessions.repository.js';

// A cursor of another list (files, users) is refused, not misread.
const CURSOR_SORT = 'sessions';

/** The caller's own sessions: list, revoke one, revoke all others. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly events: EventBus,
  ) {}

  /** My active sessions, newest first, one keyset page at a time. */
  async list(actor: AuthUser, page: PageArgs = {}): Promise<Page<SessionDto>> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    const after = page.cursor ? decodeCursor(page.cursor, CURSOR_SORT, isTimestampKey) : undefined;
    const { rows, totalCount } = await this.sessions.pageActive(actor.id, limit, after);
    return toPage(
      rows,
      limit,
      totalCount,
      (s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        expiresAt: s.expiresAt,
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === actor.sessionId,
      }),
      (s) => encodeCursor({ sort: CURSOR_SORT, key: s.sortKey, id: s.id }),
    );
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
