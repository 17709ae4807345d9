import { readFile, readdir, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, childAppEnv, freePort, spawnTs } from '../support/child-process.js';
import { asciiText, streamUpload } from '../support/upload-client.js';
import { STRONG_PASSWORD, uniqueEmail } from '../factories/user.factory.js';

const MB = 1024 * 1024;
const UPLOADS = 20;
/** Just under the 10 MiB attachment limit. */
const UPLOAD_BYTES = 10 * MB - 1024;

/** A line of /proc/<pid>/status in bytes, e.g. VmHWM (peak RSS) or VmRSS. */
async function procBytes(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`${field} missing from /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

describe('uploads are streamed (real server process)', () => {
  let child: Child;
  let root: string;
  let base: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'files-memory-'));
    const port = await freePort();
    child = spawnTs('src/main.ts', {
      ...(await childAppEnv('files-memory')),
      PORT: String(port),
      DB_MIGRATE_ON_START: 'true',
      FILES_DRIVER: 'local',
      FILES_LOCAL_ROOT: root,
      FILES_USER_QUOTA_BYTES: String(400 * MB),
      RATE_LIMIT_DEFAULT: '10000/1m',
      RATE_LIMIT_STRICT: '10000/1m',
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_ITERATIONS: '1',
    });
    // Compiled on the fly before it listens: far slower while the other worker spawns processes.
    await child.waitForLine((l) => l.includes('listening on'), 110_000);
    base = `http://127.0.0.1:${port}`;
  }, 120_000);
  afterAll(async () => {
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    await rm(root, { recursive: true, force: true });
  });

  it('twenty concurrent 10 MB uploads (200 MB) raise the peak RSS by far less than 100 MB', async () => {
    const pid = child.process.pid;
    if (pid === undefined) throw new Error('the server process has no pid');
    const registered = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail('memory'), password: STRONG_PASSWORD }),
    });
    expect(registered.status).toBe(201);
    const { accessToken: token } = (await registered.json()) as { accessToken: string };

    // Warm-up: the upload path's code, the pool and the storage directories exist already.
    const warm = await streamUpload({
      base,
      token,
      filename: 'warm.txt',
      contentType: 'text/plain',
      size: 256 * 1024,
      body: asciiText(256 * 1024),
    });
    expect(warm.status, warm.body).toBe(201);

    const peakBefore = await procBytes(pid, 'VmHWM');
    const rssBefore = await procBytes(pid, 'VmRSS');
    let sampledPeak = rssBefore;
    const sampler = setInterval(() => {
      procBytes(pid, 'VmRSS').then(
        (rss) => {
          sampledPeak = Math.max(sampledPeak, rss);
        },
        () => undefined,
      );
    }, 20);
    let results: Awaited<ReturnType<typeof streamUpload>>[];
    try {
      results = await Promise.all(
        Array.from({ length: UPLOADS }, (_, i) =>
          streamUpload({
            base,
            token,
            filename: `big-${i}.txt`,
            contentType: 'text/plain',
            size: UPLOAD_BYTES,
            body: asciiText(UPLOAD_BYTES),
          }),
        ),
      );
    } finally {
      clearInterval(sampler);
    }
    const peakAfter = await procBytes(pid, 'VmHWM');

    for (const res of results) {
      expect(res.status, res.body).toBe(201);
      expect(res.json()).toMatchObject({ size: UPLOAD_BYTES, mimeType: 'text/plain' });
    }
    const uploaded = UPLOADS * UPLOAD_BYTES;
    const growth = peakAfter - peakBefore;
    console.log(
      `files-memory: ${UPLOADS} concurrent uploads of ${mb(UPLOAD_BYTES)} (${mb(uploaded)} total); ` +
        `server RSS before ${mb(rssBefore)}, peak RSS (VmHWM) before ${mb(peakBefore)}, ` +
        `after ${mb(peakAfter)}, growth ${mb(growth)}; sampled VmRSS peak ${mb(sampledPeak)} ` +
        `(+${mb(sampledPeak - rssBefore)})`,
    );
    // Buffering the bodies would need more than the 200 MB uploaded; streaming needs a fraction.
    expect(growth).toBeLessThan(100 * MB);

    const objects = await readdir(join(root, 'attachments'), { recursive: true });
    expect(objects.length).toBeGreaterThanOrEqual(UPLOADS + 1);
    const usage = await fetch(`${base}/api/v1/files/usage`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await usage.json()) as { usedBytes: number }).usedBytes).toBe(uploaded + 256 * 1024);
  });
});
