import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devSecretsFor } from '../../src/config/dev-secrets.js';
import { AccessTokenService } from '../../src/core/auth/access-token.service.js';

const USER_ID = '6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60';

describe('development secrets kept across restarts', () => {
  let dir: string;
  let file: string;
  const development = { NODE_ENV: 'development' as const };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
    file = join(dir, '.data', 'dev-secrets.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates both secrets once, in a file only the owner can read, and reads them back', () => {
    const first = devSecretsFor(development, file);
    expect(first.JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.SIGNING_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.SIGNING_SECRET).not.toBe(first.JWT_SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first);
    expect(devSecretsFor(development, file)).toEqual(first);
  });

  it('keeps an access token valid after a restart', async () => {
    const tokens = () => {
      const { JWT_SECRET } = devSecretsFor(development, file);
      return new AccessTokenService({
        jwtSecret: JWT_SECRET,
        jwtAlgorithm: 'HS256',
        jwtKeys: undefined,
        jwtIssuer: 'app',
        jwtAudience: 'app-api',
        accessTokenTtlSeconds: 60,
        signingSecret: undefined,
      });
    };
    const token = await tokens().sign({ id: USER_ID, roles: ['user'] });
    expect(tokens().verify(token)).toMatchObject({ id: USER_ID, roles: ['user'] });
  });

  it('lets variables that are set win, and fills in only the missing one', () => {
    const jwt = 'f'.repeat(64);
    expect(devSecretsFor({ ...development, JWT_SECRET: jwt, SIGNING_SECRET: jwt }, file)).toEqual(
      {},
    );
    expect(() => statSync(file)).toThrow();
    const filled = devSecretsFor({ ...development, JWT_SECRET: jwt }, file);
    expect(Object.keys(filled)).toEqual(['SIGNING_SECRET']);
    expect(filled.SIGNING_SECRET).toBe(JSON.parse(readFileSync(file, 'utf8')).SIGNING_SECRET);
  });

  it('never writes or reads a file in production or in tests', () => {
    expect(devSecretsFor({ NODE_ENV: 'production' }, file)).toEqual({});
    expect(devSecretsFor({ NODE_ENV: 'test' }, file)).toEqual({});
    expect(() => statSync(file)).toThrow();
  });

  it('replaces a corrupt or too short file with fresh secrets', () => {
    devSecretsFor(development, file);
    writeFileSync(file, '{"JWT_SECRET":"short","SIGNING_SECRET":"short"}');
    const fresh = devSecretsFor(development, file);
    expect(fresh.JWT_SECRET).toHaveLength(64);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(fresh);
    writeFileSync(file, 'not json');
    expect(devSecretsFor(development, file).JWT_SECRET).toHaveLength(64);
  });
});
