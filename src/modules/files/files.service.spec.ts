import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PermissionsService } from '../../core/auth/permissions.service.js';
import type { EventBus } from '../../core/events/event-bus.js';
import { encodeCursor } from '../../core/pagination/cursor.js';
import type { JobsService } from '../../core/queue/jobs.service.js';
import type { UsersService } from '../auth/users.service.js';
import { FileAccess } from './file-access.js';
import type { FileEntity } from './file.entity.js';
import type { FilesRepository } from './files.repository.js';
import { FilesService } from './files.service.js';
import type { StorageDriver } from './storage/storage.driver.js';

const OWNER = { id: '7b0c1d5e-8a4f-4c2b-9d3e-1f2a3b4c5d6e', roles: ['user'] };
const STRANGER = { id: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b', roles: ['user'] };
const MODERATOR = { id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', roles: ['moderator'] };
const FILE_ID = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const QUOTA = 1000;

const fileRow = (
  id: string,
  createdAt = new Date('2026-01-02T03:04:05.123Z'),
): FileEntity & { sortKey: string } =>
  ({
    sortKey: '2026-01-02T03:04:05.123456Z',
    id,
    ownerId: OWNER.id,
    kind: 'attachment',
    status: 'ready',
    storageDriver: 'memory',
    storageKey: `attachments/${id}`,
    name: 'notes.txt',
    mimeType: 'text/plain',
    size: 12,
    sha256: '0'.repeat(64),
    width: null,
    height: null,
    hasThumbnails: false,
    failureReason: null,
    createdAt,
    updatedAt: createdAt,
    processedAt: null,
    deletedAt: null,
    purgedAt: null,
  }) as FileEntity & { sortKey: string };

describe('FilesService (repositories stubbed)', () => {
  let files: Record<
    'getLive' | 'listByOwner' | 'usage' | 'insertWithinQuota' | 'softDelete' | 'softDeleteAllOf',
    ReturnType<typeof vi.fn>
  >;
  let storage: { name: string; put: ReturnType<typeof vi.fn>; delete: ReturnType<typeof vi.fn> };
  let users: { setAvatar: ReturnType<typeof vi.fn>; clearAvatarIf: ReturnType<typeof vi.fn> };
  let granted: Record<string, string[]>;
  let emit: ReturnType<typeof vi.fn>;
  let enqueue: ReturnType<typeof vi.fn>;
  let rejected: { inc: ReturnType<typeof vi.fn> };
  let service: FilesService;

  beforeEach(() => {
    files = {
      getLive: vi.fn(async (id: string) => (id === FILE_ID ? fileRow(id) : null)),
      listByOwner: vi.fn(async () => ({ rows: [], total: 0 })),
      usage: vi.fn(async () => ({ files: 0, usedBytes: 0 })),
      insertWithinQuota: vi.fn(async () => true),
      softDelete: vi.fn(async () => true),
      softDeleteAllOf: vi.fn(async () => []),
    };
    // Reads the whole body, as a real driver does, so stream errors surface here.
    storage = {
      name: 'memory',
      put: vi.fn(async (_key: string, body: Readable) => {
        for await (const _chunk of body) void _chunk;
      }),
      delete: vi.fn(async () => undefined),
    };
    users = { setAvatar: vi.fn(async () => null), clearAvatarIf: vi.fn(async () => undefined) };
    granted = { moderator: ['files.read.any'], admin: ['files.read.any', 'files.manage'] };
    const permissions = {
      can: vi.fn((actor: { roles: string[] }, permission: string) =>
        actor.roles.some((role) => (granted[role] ?? []).includes(permission)),
      ),
    };
    emit = vi.fn();
    enqueue = vi.fn(async () => undefined);
    rejected = { inc: vi.fn() };
    const config = {
      userQuotaBytes: QUOTA,
      attachment: { types: ['text/plain'], maxBytes: 500 },
      avatar: { types: ['image/png'], maxBytes: 500 },
      zip: { maxRatio: 100, maxUncompressedBytes: 1000, maxEntries: 10 },
    };
    const repo = files as unknown as FilesRepository;
    service = new FilesService(
      repo,
      users as unknown as UsersService,
      new FileAccess(repo, permissions as unknown as PermissionsService),
      storage as unknown as StorageDriver,
      { enqueue } as unknown as JobsService,
      { emit } as unknown as EventBus,
      config as never,
      { inc: vi.fn() } as never,
      rejected as never,
    );
  });

  const text = (body = 'hello world\n') => ({
    stream: Readable.from([Buffer.from(body)]),
    filename: 'notes.txt',
    mimeType: 'text/plain',
  });

  describe('quota', () => {
    it('refuses an upload when nothing is left, without storing and dropping the stream', async () => {
      files.usage.mockResolvedValue({ files: 3, usedBytes: QUOTA });
      const source = text();
      await expect(service.upload(OWNER, 'attachment', source)).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
      });
      expect(source.stream.destroyed).toBe(true);
      expect(storage.put).not.toHaveBeenCalled();
      expect(rejected.inc).toHaveBeenCalledWith({ kind: 'attachment', reason: 'quota' });
    });

    it('refuses a body larger than what is left, while streaming, and writes no row', async () => {
      files.usage.mockResolvedValue({ files: 3, usedBytes: QUOTA - 5 });
      await expect(service.upload(OWNER, 'attachment', text())).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
      });
      expect(files.insertWithinQuota).not.toHaveBeenCalled();
      expect(emit).not.toHaveBeenCalled();
    });

    it('removes the stored object when the row would break the quota under the lock', async () => {
      files.insertWithinQuota.mockResolvedValue(false);
      await expect(service.upload(OWNER, 'attachment', text())).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
      });
      const [key] = storage.put.mock.calls[0] as [string];
      expect(files.insertWithinQuota).toHaveBeenCalledWith(
        expect.objectContaining({ ownerId: OWNER.id, storageKey: key, size: 12 }),
        QUOTA,
      );
      expect(storage.delete).toHaveBeenCalledWith(key);
      expect(emit).not.toHaveBeenCalled();
    });

    it('stores a valid file, emits file.uploaded once and queues no job for text', async () => {
      files.getLive.mockImplementation(async (id: string) => fileRow(id));
      const dto = await service.upload(OWNER, 'attachment', text());
      const [row] = files.insertWithinQuota.mock.calls[0] as [{ id: string; status: string }];
      expect(dto.id).toBe(row.id);
      expect(row.status).toBe('ready');
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('file.uploaded', {
        fileId: row.id,
        ownerId: OWNER.id,
        kind: 'attachment',
        mimeType: 'text/plain',
        size: 12,
      });
      expect(enqueue).not.toHaveBeenCalled();
    });

    it('answers usage with the configured quota', async () => {
      files.usage.mockResolvedValue({ files: 2, usedBytes: 40 });
      expect(await service.usage(OWNER)).toEqual({ files: 2, usedBytes: 40, quotaBytes: QUOTA });
      expect(files.usage).toHaveBeenCalledWith(OWNER.id);
    });
  });

  describe('listMine', () => {
    it('lists only the caller’s files, with a next cursor when more rows follow', async () => {
      const first = fileRow(FILE_ID);
      files.listByOwner.mockResolvedValue({ rows: [first, fileRow(STRANGER.id)], total: 9 });
      const page = await service.listMine(OWNER, { limit: 1 });
      expect(files.listByOwner).toHaveBeenCalledWith(OWNER.id, 1, undefined);
      expect(page.items.map((f) => f.id)).toEqual([FILE_ID]);
      expect(page.totalCount).toBe(9);
      expect(page.nextCursor).toBe(
        // The key as PostgreSQL printed it, microseconds included.
        encodeCursor({ sort: 'files', key: first.sortKey, id: FILE_ID }),
      );
    });

    it('hands the decoded cursor to the repository and ends with no next cursor', async () => {
      const key = '2026-01-02T03:04:05.123456Z';
      files.listByOwner.mockResolvedValue({ rows: [fileRow(FILE_ID)], total: 1 });
      const page = await service.listMine(OWNER, {
        cursor: encodeCursor({ sort: 'files', key, id: FILE_ID }),
      });
      expect(files.listByOwner).toHaveBeenCalledWith(
        OWNER.id,
        20,
        expect.objectContaining({ key, id: FILE_ID }),
      );
      expect(page.nextCursor).toBeNull();
    });

    it('refuses a cursor of another list or with a key that is not a timestamp', async () => {
      for (const cursor of [
        encodeCursor({ sort: '-createdAt', key: '2026-01-02T03:04:05Z', id: FILE_ID }),
        encodeCursor({ sort: 'files', key: 'yesterday', id: FILE_ID }),
        'not a cursor',
      ]) {
        await expect(service.listMine(OWNER, { cursor })).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      }
      expect(files.listByOwner).not.toHaveBeenCalled();
    });
  });

  describe('access (IDOR)', () => {
    it('answers a stranger NOT_FOUND for someone else’s file, like a missing one', async () => {
      await expect(service.get(STRANGER, FILE_ID)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.get(OWNER, STRANGER.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.get(OWNER, 'not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lets the owner and a files.read.any role read it', async () => {
      expect((await service.get(OWNER, FILE_ID)).id).toBe(FILE_ID);
      expect((await service.get(MODERATOR, FILE_ID)).id).toBe(FILE_ID);
    });

    it('does not let a read-only role delete, and deletes nothing', async () => {
      await expect(service.delete(MODERATOR, FILE_ID)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.delete(STRANGER, FILE_ID)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(files.softDelete).not.toHaveBeenCalled();
      expect(emit).not.toHaveBeenCalled();
    });

    it('deletes for files.manage and emits file.deleted once with the owner', async () => {
      await service.delete({ id: STRANGER.id, roles: ['admin'] }, FILE_ID);
      expect(files.softDelete).toHaveBeenCalledWith(FILE_ID);
      expect(users.clearAvatarIf).not.toHaveBeenCalled();
      expect(emit.mock.calls).toEqual([['file.deleted', { fileId: FILE_ID, ownerId: OWNER.id }]]);
    });

    it('answers NOT_FOUND when a concurrent delete won, without emitting', async () => {
      files.softDelete.mockResolvedValue(false);
      await expect(service.delete(OWNER, FILE_ID)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(emit).not.toHaveBeenCalled();
    });

    it('clears the avatar when the deleted file was one', async () => {
      files.getLive.mockResolvedValue({ ...fileRow(FILE_ID), kind: 'avatar' });
      await service.delete(OWNER, FILE_ID);
      expect(users.clearAvatarIf).toHaveBeenCalledWith(OWNER.id, FILE_ID);
    });
  });

  it('deleteAllOf emits file.deleted per file removed and counts them', async () => {
    files.softDeleteAllOf.mockResolvedValue([FILE_ID, STRANGER.id]);
    expect(await service.deleteAllOf(OWNER.id)).toBe(2);
    expect(emit.mock.calls).toEqual([
      ['file.deleted', { fileId: FILE_ID, ownerId: OWNER.id }],
      ['file.deleted', { fileId: STRANGER.id, ownerId: OWNER.id }],
    ]);
  });
});
