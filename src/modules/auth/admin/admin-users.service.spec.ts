import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventBus } from '../../../core/events/event-bus.js';
import { encodeCursor } from '../../../core/pagination/cursor.js';
import type { UserWithRoles } from '../user.entity.js';
import type { AdminUsersRepository } from './admin-users.repository.js';
import { AdminUsersService } from './admin-users.service.js';

const ADMIN = { id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', roles: ['admin'] };
const TARGET_ID = '7b0c1d5e-8a4f-4c2b-9d3e-1f2a3b4c5d6e';
const OTHER_ID = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';

const userRow = (id: string): UserWithRoles =>
  ({
    id,
    email: `${id.slice(0, 4)}@example.com`,
    username: null,
    emailVerifiedAt: new Date('2026-01-01T00:00:00Z'),
    firstName: null,
    lastName: null,
    bio: null,
    timezone: null,
    locale: null,
    avatarFileId: null,
    bannedAt: null,
    banReason: null,
    bannedUntil: null,
    deletedAt: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    roles: ['user'],
  }) as UserWithRoles;

describe('AdminUsersService (repositories stubbed)', () => {
  let repo: Record<
    | 'list'
    | 'getById'
    | 'auditSnapshots'
    | 'emailOf'
    | 'roleId'
    | 'updateProfile'
    | 'ban'
    | 'unban'
    | 'assignRole'
    | 'revokeRole',
    ReturnType<typeof vi.fn>
  >;
  let emit: ReturnType<typeof vi.fn>;
  let service: AdminUsersService;
  let snapshotCalls: number;

  beforeEach(() => {
    snapshotCalls = 0;
    repo = {
      list: vi.fn(async () => ({ rows: [], totalCount: 0 })),
      getById: vi.fn(async (id: string) =>
        [TARGET_ID, OTHER_ID, ADMIN.id].includes(id) ? userRow(id) : undefined,
      ),
      // Each read answers a new generation, so before and after can be told apart.
      auditSnapshots: vi.fn(async (ids: string[]) => {
        snapshotCalls += 1;
        return new Map(ids.map((id) => [id, { id, generation: snapshotCalls }]));
      }),
      emailOf: vi.fn(async () => undefined),
      roleId: vi.fn(async (name: string) =>
        name === 'admin' || name === 'user' ? `role-${name}` : undefined,
      ),
      updateProfile: vi.fn(async () => undefined),
      ban: vi.fn(async (ids: string[]) => ids),
      unban: vi.fn(async () => undefined),
      assignRole: vi.fn(async (ids: string[]) => ids),
      revokeRole: vi.fn(async (ids: string[]) => ids),
    };
    emit = vi.fn();
    // Restore is covered by the auth-hardening e2e spec; these tests never reach it.
    service = new AdminUsersService(
      repo as unknown as AdminUsersRepository,
      { emit } as unknown as EventBus,
      {} as never,
      {} as never,
      {} as never,
    );
  });

  describe('ban', () => {
    it('refuses to ban yourself before touching the repository, and records the refusal', async () => {
      await expect(service.ban(ADMIN, ADMIN.id, { reason: 'spam' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(repo.ban).not.toHaveBeenCalled();
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.ban.failed', {
        userId: ADMIN.id,
        code: 'VALIDATION_FAILED',
      });
    });

    it('answers NOT_FOUND for an unknown or malformed id, without banning', async () => {
      await expect(
        service.ban(ADMIN, OTHER_ID.replace('1f', '2f'), { reason: 'x' }),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(service.ban(ADMIN, 'not-a-uuid', { reason: 'x' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(repo.getById).toHaveBeenCalledTimes(1);
      expect(repo.ban).not.toHaveBeenCalled();
      expect(emit.mock.calls.map(([name]) => name)).toEqual(['user.ban.failed', 'user.ban.failed']);
    });

    it('bans once and emits user.banned once with the change before and after', async () => {
      const until = '2030-01-01T00:00:00.000Z';
      await service.ban(ADMIN, TARGET_ID, { reason: 'spam', until });
      expect(repo.ban).toHaveBeenCalledWith([TARGET_ID], 'spam', new Date(until));
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.banned', {
        userId: TARGET_ID,
        reason: 'spam',
        until,
        change: {
          before: { id: TARGET_ID, generation: 1 },
          after: { id: TARGET_ID, generation: 2 },
        },
      });
    });

    it('still bans when the audit snapshot cannot be read (change recorded as nulls)', async () => {
      repo.auditSnapshots.mockRejectedValue(new Error('snapshot down'));
      await service.ban(ADMIN, TARGET_ID, { reason: 'spam' });
      expect(repo.ban).toHaveBeenCalledWith([TARGET_ID], 'spam', null);
      expect(emit).toHaveBeenCalledWith('user.banned', {
        userId: TARGET_ID,
        reason: 'spam',
        until: null,
        change: { before: null, after: null },
      });
    });

    it('records an unexpected failure as INTERNAL and lets it through', async () => {
      const failure = new Error('db down');
      repo.ban.mockRejectedValue(failure);
      await expect(service.ban(ADMIN, TARGET_ID, { reason: 'spam' })).rejects.toBe(failure);
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.ban.failed', { userId: TARGET_ID, code: 'INTERNAL' });
    });
  });

  describe('unban', () => {
    it('answers NOT_FOUND for an unknown user without unbanning or emitting', async () => {
      await expect(service.unban(ADMIN, OTHER_ID.replace('1f', '2f'))).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(repo.unban).not.toHaveBeenCalled();
      expect(emit).not.toHaveBeenCalled();
    });

    it('unbans and emits user.unbanned once', async () => {
      const dto = await service.unban(ADMIN, TARGET_ID);
      expect(dto.id).toBe(TARGET_ID);
      expect(repo.unban).toHaveBeenCalledWith(TARGET_ID);
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.unbanned', { userId: TARGET_ID });
    });
  });

  describe('bulkBan', () => {
    it('refuses a list that holds yourself, banning nobody', async () => {
      await expect(
        service.bulkBan(ADMIN, { userIds: [TARGET_ID, ADMIN.id], reason: 'spam' }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(repo.ban).not.toHaveBeenCalled();
      expect(emit).not.toHaveBeenCalled();
    });

    it('emits one user.banned per user the repository banned, with each one’s change', async () => {
      repo.ban.mockResolvedValue([OTHER_ID]);
      const result = await service.bulkBan(ADMIN, {
        userIds: [TARGET_ID, OTHER_ID],
        reason: 'spam',
      });
      expect(result).toEqual({ updated: 1 });
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.banned', {
        userId: OTHER_ID,
        reason: 'spam',
        until: null,
        change: {
          before: { id: OTHER_ID, generation: 1 },
          after: { id: OTHER_ID, generation: 2 },
        },
      });
    });
  });

  describe('roles', () => {
    it('refuses an unknown role before looking the user up', async () => {
      await expect(service.assignRole(ADMIN, TARGET_ID, 'wizard')).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(repo.getById).not.toHaveBeenCalled();
      expect(repo.assignRole).not.toHaveBeenCalled();
    });

    it('refuses to remove your own admin role, alone or in bulk', async () => {
      await expect(service.revokeRole(ADMIN, ADMIN.id, 'admin')).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      await expect(
        service.bulkRoles(ADMIN, {
          userIds: [TARGET_ID, ADMIN.id],
          role: 'admin',
          action: 'revoke',
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(repo.revokeRole).not.toHaveBeenCalled();
    });

    it('lets you drop a role of your own other than admin', async () => {
      await service.revokeRole(ADMIN, ADMIN.id, 'user');
      expect(repo.revokeRole).toHaveBeenCalledWith([ADMIN.id], 'role-user');
    });

    it('answers NOT_FOUND when assigning to an unknown user', async () => {
      await expect(
        service.assignRole(ADMIN, OTHER_ID.replace('1f', '2f'), 'admin'),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(repo.assignRole).not.toHaveBeenCalled();
    });

    it('emits only when the grant changed something', async () => {
      repo.assignRole.mockResolvedValueOnce([]);
      await service.assignRole(ADMIN, TARGET_ID, 'admin');
      expect(emit).not.toHaveBeenCalled();
      await service.assignRole(ADMIN, TARGET_ID, 'admin');
      expect(repo.assignRole).toHaveBeenLastCalledWith([TARGET_ID], 'role-admin');
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.role.assigned', { userId: TARGET_ID, role: 'admin' });
    });

    it('bulk revoke emits once per user who changed and counts them', async () => {
      repo.revokeRole.mockResolvedValueOnce([TARGET_ID]);
      const result = await service.bulkRoles(ADMIN, {
        userIds: [TARGET_ID, OTHER_ID],
        role: 'user',
        action: 'revoke',
      });
      expect(result).toEqual({ updated: 1 });
      expect(repo.assignRole).not.toHaveBeenCalled();
      expect(emit.mock.calls).toEqual([['user.role.revoked', { userId: TARGET_ID, role: 'user' }]]);
    });
  });

  describe('update', () => {
    it('writes and emits nothing when no field was given', async () => {
      await service.update(ADMIN, TARGET_ID, {});
      expect(repo.updateProfile).not.toHaveBeenCalled();
      expect(emit).not.toHaveBeenCalled();
    });

    it('emits user.updated once with the fields given and the change', async () => {
      await service.update(ADMIN, TARGET_ID, { firstName: 'Ada', emailVerified: false });
      expect(repo.updateProfile).toHaveBeenCalledWith(TARGET_ID, {
        firstName: 'Ada',
        emailVerified: false,
      });
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('user.updated', {
        userId: TARGET_ID,
        fields: ['firstName', 'emailVerified'],
        change: {
          before: { id: TARGET_ID, generation: 1 },
          after: { id: TARGET_ID, generation: 2 },
        },
      });
    });

    it('records NOT_FOUND for an unknown user as user.update.failed', async () => {
      const id = OTHER_ID.replace('1f', '2f');
      await expect(service.update(ADMIN, id, { bio: 'x' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(repo.updateProfile).not.toHaveBeenCalled();
      expect(emit.mock.calls).toEqual([['user.update.failed', { userId: id, code: 'NOT_FOUND' }]]);
    });
  });

  describe('list and lookups', () => {
    it('refuses an unknown sort, and a cursor issued for another sort', async () => {
      await expect(service.list(ADMIN, {}, {}, 'password')).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      const emailCursor = encodeCursor({ sort: 'email', key: 'a@example.com', id: TARGET_ID });
      await expect(
        service.list(ADMIN, {}, { cursor: emailCursor }, '-createdAt'),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(repo.list).not.toHaveBeenCalled();
    });

    it('passes the decoded keyset on and answers a next cursor only when more rows follow', async () => {
      const key = '2026-01-02T03:04:05.123456Z';
      const cursor = encodeCursor({ sort: '-createdAt', key, id: TARGET_ID });
      repo.list.mockResolvedValueOnce({
        rows: [
          { ...userRow(TARGET_ID), sortKey: 'k1' },
          { ...userRow(OTHER_ID), sortKey: 'k2' },
        ],
        totalCount: 7,
      });
      const page = await service.list(ADMIN, { role: 'user' }, { limit: 1, cursor });
      expect(repo.list).toHaveBeenCalledWith({ role: 'user' }, '-createdAt', 1, {
        sort: '-createdAt',
        key,
        id: TARGET_ID,
      });
      expect(page.items.map((u) => u.id)).toEqual([TARGET_ID]);
      expect(page.totalCount).toBe(7);
      expect(page.nextCursor).toBe(encodeCursor({ sort: '-createdAt', key: 'k1', id: TARGET_ID }));
    });

    it('answers NOT_FOUND for the email of an unknown or malformed id', async () => {
      await expect(service.emailOf(TARGET_ID)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.emailOf('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(repo.emailOf).toHaveBeenCalledTimes(1);
    });
  });
});
