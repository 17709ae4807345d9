import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupConfig } from '../../config/backup.config.js';

export type BackupS3Options = NonNullable<BackupConfig['s3']>;

/** The off-site copy: backup files under BACKUP_S3_PREFIX in BACKUP_S3_BUCKET (S3_* access). */
export class S3BackupStore {
  private readonly client: S3Client;

  constructor(private readonly options: BackupS3Options) {
    const { accessKeyId, secretAccessKey } = options;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private keyOf(fileName: string): string {
    return `${this.options.prefix}/${fileName}`;
  }

  async upload(path: string): Promise<string> {
    const key = this.keyOf(basename(path));
    await new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: key, Body: createReadStream(path) },
    }).done();
    return key;
  }

  async download(fileName: string, target: string): Promise<void> {
    const answer = await this.client.send(
      new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(fileName) }),
    );
    await pipeline(answer.Body as Readable, createWriteStream(target, { mode: 0o600 }));
  }

  /** File names (without the prefix) stored under the prefix. */
  async list(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: `${this.options.prefix}/`,
          ContinuationToken: token,
        }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key) names.push(item.Key.slice(this.options.prefix.length + 1));
      }
      token = page.NextContinuationToken;
    } while (token);
    return names;
  }

  async remove(fileNames: string[]): Promise<void> {
    for (let i = 0; i < fileNames.length; i += 1000) {
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: {
            Objects: fileNames.slice(i, i + 1000).map((name) => ({ Key: this.keyOf(name) })),
          },
        }),
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}
