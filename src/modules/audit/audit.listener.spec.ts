import type { EventEmitter2 } from '@nestjs/event-emitter';
import { describe, expect, it, vi } from 'vitest';
import type { AuditEntry, AuditWriter } from './audit-writer.js';
import { AuditListener } from './audit.listener.js';

const meta = { occurredAt: '2026-01-01T00:00:00.000Z', requestId: 'req-1', ip: '10.0.0.1' };

function listen() {
  const entries: AuditEntry[] = [];
  const writer = { write: vi.fn((e: AuditEntry) => entries.push(e)) } as unknown as AuditWriter;
  const listener = new AuditListener(writer, {} as EventEmitter2);
  return { listener, entries };
}

describe('AuditListener mapping', () => {
  it('records file events against the file, with the owner as actor', () => {
    const { listener, entries } = listen();
    listener.record('file.uploaded', {
      fileId: 'f-1',
      ownerId: 'u-1',
      kind: 'avatar',
      mimeType: 'image/png',
      size: 10,
      meta,
    });
    listener.record('file.deleted', {
      fileId: 'f-1',
      ownerId: 'u-1',
      meta: { ...meta, actorId: 'admin-1' },
    });
    expect(entries).toMatchObject([
      {
        action: 'file.uploaded',
        actorId: 'u-1',
        actorType: 'user',
        entityType: 'file',
        entityId: 'f-1',
        status: 'success',
        description: 'Uploaded a file (avatar)',
        newValues: {
          fileId: 'f-1',
          ownerId: 'u-1',
          kind: 'avatar',
          mimeType: 'image/png',
          size: 10,
        },
        requestId: 'req-1',
        ip: '10.0.0.1',
      },
      {
        action: 'file.deleted',
        actorId: 'admin-1',
        entityId: 'f-1',
        description: 'Deleted a file',
      },
    ]);
    expect(entries[0].occurredAt).toEqual(new Date(meta.occurredAt));
  });

  it('records a failed file processing as a failure', () => {
    const { listener, entries } = listen();
    const system = { occurredAt: meta.occurredAt };
    listener.record('file.processed', {
      fileId: 'f-2',
      ownerId: 'u-2',
      status: 'failed',
      meta: system,
    });
    listener.record('file.processed', {
      fileId: 'f-3',
      ownerId: 'u-2',
      status: 'ready',
      meta: system,
    });
    expect(entries).toMatchObject([
      {
        entityType: 'file',
        entityId: 'f-2',
        actorId: 'u-2',
        status: 'failure',
        description: 'File processed (failed)',
      },
      { entityType: 'file', entityId: 'f-3', status: 'success', description: 'File processed' },
    ]);
  });

  it('keeps the auth and user mappings', () => {
    const { listener, entries } = listen();
    listener.record('auth.login.failed', {
      email: 'a@example.com',
      reason: 'invalid_credentials',
      meta,
    });
    listener.record('user.banned', {
      userId: 'u-3',
      reason: 'spam',
      until: null,
      meta: { ...meta, actorId: 'admin' },
    });
    listener.record('auth.password.changed', { userId: 'u-4', meta });
    expect(entries).toMatchObject([
      {
        actorId: null,
        entityType: null,
        entityId: null,
        status: 'failure',
        description: 'Failed sign-in attempt for a@example.com',
      },
      {
        actorId: 'admin',
        entityType: 'user',
        entityId: 'u-3',
        status: 'success',
        description: 'User banned',
      },
      { actorId: 'u-4', entityId: 'u-4', description: 'Changed the password' },
    ]);
  });

  it('ignores unmapped families, events without meta and redacts secrets', () => {
    const { listener, entries } = listen();
    listener.record('stats.computed', { meta });
    listener.record('user.updated', { userId: 'u-5', fields: [] });
    listener.record('user.updated', { userId: 'u-5', fields: ['bio'], token: 'abc', meta });
    expect(entries).toHaveLength(1);
    expect(entries[0].newValues).toEqual({ userId: 'u-5', fields: ['bio'], token: '[REDACTED]' });
  });

  it('records the changed fields of an attached change, and only the after side without before', () => {
    const { listener, entries } = listen();
    listener.record('user.banned', {
      userId: 'u-6',
      reason: 'spam',
      until: null,
      change: {
        before: { bannedAt: null, banReason: null, email: 'a@example.com', token: 'x' },
        after: {
          bannedAt: '2026-01-01T00:00:00.000Z',
          banReason: 'spam',
          email: 'a@example.com',
          token: 'y',
        },
      },
      meta,
    });
    listener.record('user.updated', {
      userId: 'u-7',
      fields: ['bio'],
      change: { before: null, after: { bio: 'new', email: 'b@example.com' } },
      meta,
    });
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      action: 'user.banned',
    });
    // Redacted on both sides, the token no longer differs; the email never did.
    expect(entries[0].oldValues).toEqual({ bannedAt: null, banReason: null });
    expect(entries[0].newValues).toEqual({
      bannedAt: '2026-01-01T00:00:00.000Z',
      banReason: 'spam',
    });
    expect(entries[1]).toMatchObject({
      oldValues: null,
      newValues: { bio: 'new', email: 'b@example.com' },
    });
  });

  it('records refused admin actions as failures with their code', () => {
    const { listener, entries } = listen();
    listener.record('user.ban.failed', { userId: 'u-8', code: 'NOT_FOUND', meta });
    expect(entries).toMatchObject([
      {
        action: 'user.ban.failed',
        entityType: 'user',
        entityId: 'u-8',
        status: 'failure',
        description: 'Ban refused (NOT_FOUND)',
      },
    ]);
  });
});
