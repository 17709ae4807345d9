import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { FileEntity } from './file.entity.js';

const TOP_USERS = 10;

/** Uploads per bucket (files_created_at_idx), storage used and its top users, for the rollup. */
@Injectable()
export class FilesStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'files';
  readonly counterMetrics = ['uploads'];
  readonly snapshotMetrics = ['storage', 'storage.top_bytes', 'storage.top_files'];

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  // Every stored upload counts in its bucket, also ones deleted since.
  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const rows: Array<{ bucket: Date; count: string; bytes: string }> = await this.files.query(
      `SELECT date_trunc($3, created_at, 'UTC') AS bucket, count(*) AS count, sum(size) AS bytes
       FROM files WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
      [from, to, interval],
    );
    return rows.flatMap((row) => [
      { bucket: row.bucket, metric: 'uploads', series: 'files', value: Number(row.count) },
      { bucket: row.bucket, metric: 'uploads', series: 'bytes', value: Number(row.bytes) },
    ]);
  }

  // Live files only; run by the rollup job, never on a request.
  async snapshot(): Promise<StatsSnapshotPoint[]> {
    const rows: Array<{ owner_id: string | null; bytes: string; files: string }> =
      await this.files.query(
        `WITH per_owner AS (
           SELECT owner_id, sum(size) AS bytes, count(*) AS files
           FROM files WHERE deleted_at IS NULL GROUP BY owner_id)
         SELECT NULL AS owner_id, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(files), 0) AS files
         FROM per_owner
         UNION ALL
         (SELECT owner_id, bytes, files FROM per_owner ORDER BY bytes DESC, owner_id LIMIT $1)`,
        [TOP_USERS],
      );
    return rows.flatMap((row): StatsSnapshotPoint[] =>
      row.owner_id === null
        ? [
            { metric: 'storage', series: 'bytes', value: Number(row.bytes) },
            { metric: 'storage', series: 'files', value: Number(row.files) },
          ]
        : [
            { metric: 'storage.top_bytes', series: row.owner_id, value: Number(row.bytes) },
            { metric: 'storage.top_files', series: row.owner_id, value: Number(row.files) },
          ],
    );
  }
}
