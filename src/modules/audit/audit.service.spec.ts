import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppException } from '../../core/errors/app.exception.js';
import { encodeCursor } from '../../core/pagination/cursor.js';
import type { AdminUsersService } from '../auth/admin/admin-users.service.js';
import type { AuditRepository, AuditSearchRow } from './audit.repository.js';
import { AuditService } from './audit.service.js';

const USER_ID = '7b0c1d5e-8a4f-4c2b-9d3e-1f2a3b4c5d6e';
const KEY = '2026-01-02T03:04:05.123456Z';

const entry = (id: string, sortKey: string): AuditSearchRow =>
  ({
    id,
    occurredAt: new Date('2026-01-02T03:04:05.123Z'),
    actorId: USER_ID,
    actorType: 'user',
    action: 'user.login.succeeded',
    entityType: 'user',
    entityId: USER_ID,
    oldValues: undefined,
    newValues: { email: 'ada@example.com' },
    ip: '127.0.0.1',
    userAgent: null,
    requestId: null,
    status: 'success',
    description: null,
    sortKey,
  }) as AuditSearchRow;

describe('AuditService (repositories stubbed)', () => {
  let repo: Record<
    'search' | 'actionCountsAbout' | 'lastLoginOf' | 'failedLoginsLastDay',
    ReturnType<typeof vi.fn>
  >;
  let emailOf: ReturnType<typeof vi.fn>;
  let service: AuditService;

  beforeEach(() => {
    repo = {
      search: vi.fn(async () => ({ rows: [], totalCount: 0 })),
      actionCountsAbout: vi.fn(async () => []),
      lastLoginOf: vi.fn(async () => undefined),
      failedLoginsLastDay: vi.fn(async () => 0),
    };
    emailOf = vi.fn(async () => 'ada@example.com');
    service = new AuditService(
      repo as unknown as AuditRepository,
      { emailOf } as unknown as AdminUsersService,
    );
  });

  describe('search', () => {
    it('refuses a sort other than occurredAt either way', async () => {
      await expect(service.search({}, {}, 'action')).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { errors: [expect.objectContaining({ field: 'sort' })] },
      });
      expect(repo.search).not.toHaveBeenCalled();
    });

    it('searches newest first by default and oldest first on request', async () => {
      const filter = { action: 'user.banned' };
      await service.search(filter, {});
      expect(repo.search).toHaveBeenLastCalledWith(filter, 'DESC', 20, undefined);
      await service.search(filter, { limit: 5 }, 'occurredAt');
      expect(repo.search).toHaveBeenLastCalledWith(filter, 'ASC', 5, undefined);
    });

    it('passes the keyset of a cursor issued for the same sort', async () => {
      const cursor = encodeCursor({ sort: 'audit:occurredAt', key: KEY, id: '42' });
      await service.search({}, { cursor }, 'occurredAt');
      expect(repo.search).toHaveBeenCalledWith({}, 'ASC', 20, {
        sort: 'audit:occurredAt',
        key: KEY,
        id: '42',
      });
    });

    it('refuses a cursor of the other sort, another list, or with a non-bigint id', async () => {
      for (const cursor of [
        encodeCursor({ sort: 'audit:occurredAt', key: KEY, id: '42' }),
        encodeCursor({ sort: '-occurredAt', key: KEY, id: '42' }),
        encodeCursor({ sort: 'audit:-occurredAt', key: KEY, id: USER_ID }),
        encodeCursor({ sort: 'audit:-occurredAt', key: 'today', id: '42' }),
      ]) {
        await expect(service.search({}, { cursor })).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      }
      expect(repo.search).not.toHaveBeenCalled();
    });

    it('answers entries without their sort key, nulls for missing values, and a next cursor', async () => {
      repo.search.mockResolvedValue({ rows: [entry('9', 'k9'), entry('8', 'k8')], totalCount: 2 });
      const page = await service.search({}, { limit: 1 });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).not.toHaveProperty('sortKey');
      expect(page.items[0]).toMatchObject({
        id: '9',
        oldValues: null,
        newValues: { email: 'ada@example.com' },
      });
      expect(page.totalCount).toBe(2);
      expect(page.nextCursor).toBe(encodeCursor({ sort: 'audit:-occurredAt', key: 'k9', id: '9' }));
    });

    it('answers no next cursor on the last page', async () => {
      repo.search.mockResolvedValue({ rows: [entry('9', 'k9')], totalCount: 1 });
      expect((await service.search({}, { limit: 1 })).nextCursor).toBeNull();
    });
  });

  describe('activity', () => {
    it('lets NOT_FOUND of an unknown user through without querying the log', async () => {
      emailOf.mockRejectedValue(new AppException('NOT_FOUND', 'No such user'));
      await expect(service.activity(USER_ID)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(repo.actionCountsAbout).not.toHaveBeenCalled();
      expect(repo.failedLoginsLastDay).not.toHaveBeenCalled();
    });

    it('counts failed logins by the user’s email and reports the last login', async () => {
      const at = new Date('2026-01-02T03:04:05.000Z');
      repo.actionCountsAbout.mockResolvedValue([{ action: 'user.updated', count: 3 }]);
      repo.lastLoginOf.mockResolvedValue({ occurredAt: at, ip: '10.0.0.1' });
      repo.failedLoginsLastDay.mockResolvedValue(4);
      expect(await service.activity(USER_ID)).toEqual({
        countsByAction: [{ action: 'user.updated', count: 3 }],
        lastLoginAt: at,
        lastLoginIp: '10.0.0.1',
        failedLoginsLast24h: 4,
      });
      expect(emailOf).toHaveBeenCalledWith(USER_ID);
      expect(repo.failedLoginsLastDay).toHaveBeenCalledWith('ada@example.com');
      expect(repo.lastLoginOf).toHaveBeenCalledWith(USER_ID);
    });

    it('answers nulls for a user who never logged in', async () => {
      const activity = await service.activity(USER_ID);
      expect(activity.lastLoginAt).toBeNull();
      expect(activity.lastLoginIp).toBeNull();
    });
  });
});
