import { describe, expect, it, vi } from 'vitest';
import { ExportSections } from '../../core/exports/export-section.js';
import type { FileEntity } from './file.entity.js';
import { FilesExportSection } from './files.export-section.js';
import type { FilesRepository } from './files.repository.js';

const file = (n: number): FileEntity =>
  ({
    id: `00000000-0000-4000-8000-00000000000${n}`,
    ownerId: 'owner',
    kind: 'attachment',
    status: 'ready',
    storageDriver: 'local',
    storageKey: `attachments/${n}`,
    name: `f${n}.txt`,
    mimeType: 'text/plain',
    size: n,
    sha256: 'a'.repeat(64),
    width: null,
    height: null,
    hasThumbnails: false,
    createdAt: new Date(Date.UTC(2026, 0, n)),
  }) as FileEntity;

describe('FilesExportSection', () => {
  it('archives metadata only (no owner or storage internals) and stops after a short page', async () => {
    const pages = [
      { rows: [file(3), file(2), file(1)], total: 4 },
      { rows: [file(0)], total: 4 },
    ];
    const listByOwner = vi.fn(async () => pages.shift() ?? { rows: [], total: 0 });
    const section = new FilesExportSection(
      { listByOwner } as unknown as FilesRepository,
      new ExportSections(),
    );
    const rows: object[] = [];
    for await (const row of section.rows('owner')) rows.push(row);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      id: file(3).id,
      kind: 'attachment',
      name: 'f3.txt',
      mimeType: 'text/plain',
      size: 3,
      sha256: 'a'.repeat(64),
      status: 'ready',
      width: null,
      height: null,
      createdAt: file(3).createdAt,
    });
    expect(listByOwner).toHaveBeenCalledTimes(1);
    expect(listByOwner).toHaveBeenCalledWith('owner', 100, undefined);
  });
});
