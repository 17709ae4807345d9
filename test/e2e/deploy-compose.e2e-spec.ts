import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, type TestContext } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);

async function requireCompose(ctx: TestContext): Promise<void> {
  try {
    await run('docker-compose', ['version']);
  } catch {
    // CI sets REQUIRE_REDIS=1 and installs docker-compose: missing there is a failure.
    if (process.env.REQUIRE_REDIS === '1') throw new Error('docker-compose is not installed');
    ctx.skip('docker-compose is not installed (Debian package docker-compose)');
  }
}

interface Service {
  healthcheck?: { test?: string[]; disable?: boolean };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

describe('docker-compose.yml', () => {
  it('scripts/check-compose.sh: valid, and refuses to resolve without any secret', async (ctx) => {
    await requireCompose(ctx);
    const { stdout } = await run('bash', ['scripts/check-compose.sh']);
    expect(stdout).toContain('docker-compose.yml is valid');
  });

  it('with the .env that deploy/compose-env.mjs writes, every service is wired and probed', async (ctx) => {
    await requireCompose(ctx);
    const envFile = join(mkdtempSync(join(tmpdir(), 'compose-')), '.env');
    await run('node', ['deploy/compose-env.mjs', '--out', envFile]);
    const env = readFileSync(envFile, 'utf8');
    const secrets = [...env.matchAll(/^[A-Z0-9_]+=([0-9a-f]{64})$/gm)].map((m) => m[1]);
    expect(new Set(secrets).size).toBe(7);

    const { stdout } = await run('docker-compose', [
      '--env-file',
      envFile,
      '-f',
      'docker-compose.yml',
      'config',
    ]);
    const { services } = parse(stdout) as { services: Record<string, Service> };
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'grafana',
      'mailpit',
      'minio',
      'minio-init',
      'node-exporter',
      'postgres',
      'prometheus',
      'redis',
      'worker',
    ]);
    for (const [name, service] of Object.entries(services)) {
      if (name === 'minio-init') continue; // one shot: gates the app by completing instead
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    for (const role of ['api', 'worker']) {
      expect(services[role].environment).toMatchObject({
        NODE_ENV: 'production',
        FILES_DRIVER: 's3',
        S3_ENDPOINT: 'http://minio:9000',
        S3_FORCE_PATH_STYLE: 'true',
        SMTP_URL: 'smtp://mailpit:1025',
      });
      expect(services[role].depends_on?.['minio-init']).toEqual({
        condition: 'service_completed_successfully',
      });
    }
    expect(services.prometheus.volumes).toContainEqual(
      expect.stringMatching(/deploy\/prometheus:\/etc\/prometheus:ro$/),
    );
    expect(services.grafana.volumes).toContainEqual(
      expect.stringMatching(/deploy\/grafana\/dashboards:\/var\/lib\/grafana\/dashboards:ro$/),
    );
  });
});
