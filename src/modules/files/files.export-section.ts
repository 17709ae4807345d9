import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ExportSection, ExportSections } from '../../core/exports/export-section.js';
import type { FileEntity } from './file.entity.js';
import { FilesRepository } from './files.repository.js';

const BATCH = 100;

/** What a GDPR archive holds of one file: metadata only; the bytes are at /files/:id/content. */
const ARCHIVED_FIELDS = [
  'id',
  'kind',
  'name',
  'mimeType',
  'size',
  'sha256',
  'status',
  'width',
  'height',
  'createdAt',
] as const satisfies ReadonlyArray<keyof FileEntity>;

export type ArchivedFile = Pick<FileEntity, (typeof ARCHIVED_FIELDS)[number]>;

/** The user's live files in their GDPR archive, newest first (as GET /files lists them). */
@Injectable()
export class FilesExportSection implements ExportSection, OnModuleInit {
  readonly name = 'files';

  constructor(
    private readonly files: FilesRepository,
    private readonly sections: ExportSections,
  ) {}

  onModuleInit(): void {
    this.sections.register(this);
  }

  async *rows(userId: string): AsyncGenerator<ArchivedFile> {
    let after: { key: string; id: string } | undefined;
    for (;;) {
      const { rows } = await this.files.listByOwner(userId, BATCH, after);
      const page = rows.slice(0, BATCH);
      for (const file of page) yield archived(file);
      if (rows.length <= BATCH) return;
      const last = page[page.length - 1];
      after = { key: last.sortKey, id: last.id };
    }
  }
}

const archived = (file: FileEntity): ArchivedFile =>
  Object.fromEntries(ARCHIVED_FIELDS.map((field) => [field, file[field]])) as ArchivedFile;
