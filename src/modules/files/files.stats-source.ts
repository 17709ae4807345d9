import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type StatsPoint,
  type StatsRange,
  type StatsSnapshotPoint,
  type StatsSource,
  StatsSources,
} from '../../core/stats/stats-source.js';
import { FilesRepository } from './files.repository.js';

const TOP_USERS = 10;

/** Uploads per bucket (files_created_at_idx), storage used and its top users, for the rollup. */
@Injectable()
export class FilesStatsSource implements StatsSource, OnModuleInit {
  readonly name = 'files';
  readonly counterMetrics = ['uploads'];
  readonly snapshotMetrics = ['storage', 'storage.top_bytes', 'storage.top_files'];

  constructor(
    private readonly files: FilesRepository,
    private readonly sources: StatsSources,
  ) {}

  onModuleInit(): void {
    this.sources.register(this);
  }

  // Every stored upload counts in its bucket, also ones deleted since.
  async counters({ from, to, interval }: StatsRange): Promise<StatsPoint[]> {
    const rows = await this.files.uploadsByBucket(from, to, interval);
    return rows.flatMap((row) => [
      { bucket: row.bucket, metric: 'uploads', series: 'files', value: Number(row.count) },
      { bucket: row.bucket, metric: 'uploads', series: 'bytes', value: Number(row.bytes) },
    ]);
  }

  // Live files only; run by the rollup job, never on a request.
  async snapshot(): Promise<StatsSnapshotPoint[]> {
    const rows = await this.files.storageByOwner(TOP_USERS);
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
