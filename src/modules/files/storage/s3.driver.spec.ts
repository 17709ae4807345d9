import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '../../../../test/support/s3.js';
import { S3StorageDriver } from './s3.driver.js';

describe('S3StorageDriver', () => {
  let server: TestS3Server;
  const drivers: S3StorageDriver[] = [];
  const driver = (options: { prefix?: string; bucket?: string; publicEndpoint?: string } = {}) => {
    const created = new S3StorageDriver({ ...server, forcePathStyle: true, ...options });
    drivers.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    for (const created of drivers) created.destroy();
    await server?.stop();
  });

  const keysOf = async (items: AsyncIterable<{ key: string }>) => {
    const keys: string[] = [];
    for await (const item of items) keys.push(item.key);
    return keys.sort();
  };

  it('stores keys under the prefix (a missing trailing slash is added) and strips it in list', async () => {
    const tenant = driver({ prefix: 'tenant-a' });
    await tenant.put('x/1', Readable.from([Buffer.from('one')]), { contentType: 'text/plain' });
    await driver({ prefix: 'tenant-b/' }).put('x/2', Readable.from([Buffer.from('two')]), {
      contentType: 'text/plain',
    });

    expect(await keysOf(driver().list('tenant-'))).toEqual(['tenant-a/x/1', 'tenant-b/x/2']);
    expect(await keysOf(tenant.list(''))).toEqual(['x/1']);
    expect(await keysOf(tenant.list('x/'))).toEqual(['x/1']);
    expect(await tenant.stat('x/1')).toMatchObject({ key: 'x/1', size: 3 });
    expect(await tenant.stat('x/2')).toBeUndefined();
  });

  it('fails ping for a missing bucket and for a stopped server', async () => {
    await expect(driver({ bucket: 'no-such-bucket' }).ping()).rejects.toThrow();
    const other = await startS3Server();
    const orphan = new S3StorageDriver({ ...other, forcePathStyle: true });
    drivers.push(orphan);
    await orphan.ping();
    await other.stop();
    await expect(orphan.ping()).rejects.toThrow();
  });

  it('signs links for S3_PUBLIC_ENDPOINT when set, and they fetch the object there', async () => {
    const internal = driver();
    await internal.put('pub/1', Readable.from([Buffer.from('public')]), {
      contentType: 'text/plain',
    });
    const options = {
      contentType: 'text/plain',
      contentDisposition: 'inline',
      expiresInSeconds: 60,
    };
    const direct = new URL(await internal.presignGet('pub/1', options));
    expect(direct.origin).toBe(new URL(server.endpoint).origin);
    // The same server under another name: the link carries (and is signed for) that host.
    const publicEndpoint = server.endpoint.replace('127.0.0.1', 'localhost');
    const link = new URL(await driver({ publicEndpoint }).presignGet('pub/1', options));
    expect(link.host).toBe(new URL(publicEndpoint).host);
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('public');
  });
});
