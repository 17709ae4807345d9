import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  resetOnClose: boolean;
  vhostBuckets: boolean;
  configureBuckets: { name: string; configs?: string[] }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
  /** Stops answering (the port closes), keeping the data; `resume` serves it again. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * An in-process s3rver on 127.0.0.1 (random port, own temp directory, one bucket). Use path-style
 * addressing (`forcePathStyle: true`). s3rver only knows the access key S3RVER and does not check
 * SigV4 signatures (nor presigned URL expiry beyond parsing).
 */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const bucket = 'test-bucket';
  const create = (port: number) =>
    new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      resetOnClose: false,
      vhostBuckets: false,
      configureBuckets: [{ name: bucket }],
    });
  let server = create(0);
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  let suspended = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!suspended) await server.close();
      await rm(directory, { recursive: true, force: true });
    },
    async suspend() {
      if (suspended || stopped) return;
      suspended = true;
      await server.close();
    },
    async resume() {
      if (!suspended || stopped) return;
      server = create(address.port);
      await server.run();
      suspended = false;
    },
  };
}
