import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, Env, parseEnv } from './env.schema.js';

const JWT = '9c1e4b7a2f5d8063e1a4c7b0d3f6928e5b1a4d7c0f3e6a9b2c5d8e1f4a7b0c3d';
const SIGNING = '4e7a0d3c6f9b2e5a8d1c4f7b0e3a6d9c2f5b8e1a4d7c0f3b6e9a2d5c8f1b4e7a';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app:pw@db.internal:5432/app',
  JWT_SECRET: JWT,
  SIGNING_SECRET: SIGNING,
};

/** The problems parseEnv reports for `raw`; fails the test if it does not throw. */
function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    parseEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    const e = error as ConfigValidationError;
    expect(e.name).toBe('ConfigValidationError');
    for (const problem of e.problems) expect(e.message).toContain(problem);
    return e.problems;
  }
  throw new Error('parseEnv accepted an invalid environment');
}

/** The variables named by a list of problems (each problem starts with one). */
function named(problems: string[]): string[] {
  return [...new Set(problems.map((p) => p.split(' ')[0]))].sort();
}

describe('parseEnv', () => {
  it('fills every default from an empty environment', () => {
    const env = parseEnv({});
    expect(env).toBeInstanceOf(Env);
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      APP_NAME: 'nest-starter',
      PORT: 3000,
      HOST: '0.0.0.0',
      PROCESS_ROLE: 'all',
      SHUTDOWN_TIMEOUT_MS: 30_000,
      LOG_LEVEL: 'info',
      DB_POOL_SIZE: 20,
      QUEUE_PREFIX: 'bull',
      QUEUE_ATTEMPTS: 3,
      TRUST_PROXY: 'false',
      CORS_ORIGINS: '',
      BODY_LIMIT_BYTES: 1_048_576,
      GRAPHQL_MAX_DEPTH: 10,
      GRAPHQL_MAX_COMPLEXITY: 1000,
      GRAPHQL_MAX_ALIASES: 15,
      GRAPHQL_MAX_BATCH: 10,
      METRICS_ENABLED: true,
      RATE_LIMIT_DEFAULT: '100/1m',
      RATE_LIMIT_STRICT: '5/1m',
      RATE_LIMIT_STATS: '10/1m',
      HEALTH_DISK_MIN_FREE_RATIO: 0.1,
      JWT_ACCESS_TTL_SECONDS: 900,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.JWT_SECRET).toBeUndefined();
    expect(env.GRAPHQL_INTROSPECTION).toBeUndefined();
    expect(env.API_DOCS_ENABLED).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ PORT: '', NODE_ENV: '' })).toMatchObject({
      PORT: 3000,
      NODE_ENV: 'development',
    });
  });

  it('converts numbers and booleans from strings', () => {
    const env = parseEnv({
      PORT: '8080',
      HEALTH_HEAP_MAX_RATIO: '0.75',
      GRAPHQL_INTROSPECTION: 'false',
      GRAPHQL_GRAPHIQL: 'yes',
      API_DOCS_ENABLED: 'OFF',
      LOG_PRETTY: '1',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      HEALTH_HEAP_MAX_RATIO: 0.75,
      GRAPHQL_INTROSPECTION: false,
      GRAPHQL_GRAPHIQL: true,
      API_DOCS_ENABLED: false,
      LOG_PRETTY: true,
    });
  });

  it('ignores variables it does not know', () => {
    expect(() => parseEnv({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('PORT=abc → ConfigValidationError naming PORT', () => {
    const problems = problemsOf({ PORT: 'abc' });
    expect(named(problems)).toEqual(['PORT']);
    expect(() => parseEnv({ PORT: 'abc' })).toThrow(/PORT/);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '3000.5'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['PROCESS_ROLE', 'cron'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['QUEUE_PREFIX', 'has spaces'],
    ['TRUST_PROXY', 'maybe'],
    ['BODY_LIMIT_BYTES', '10'],
    ['GRAPHQL_MAX_DEPTH', '0'],
    ['GRAPHQL_INTROSPECTION', 'perhaps'],
    ['RATE_LIMIT_DEFAULT', '100 per minute'],
    ['RATE_LIMIT_STRICT', '5/1d'],
    ['HEALTH_DISK_MIN_FREE_RATIO', '1.5'],
    ['METRICS_TOKEN', 'short'],
    ['JWT_ACCESS_TTL_SECONDS', '5'],
  ])('%s=%s is rejected and named', (name, value) => {
    expect(named(problemsOf({ [name]: value }))).toEqual([name]);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/db', 'must be a postgres:// URL'],
    ['REDIS_URL', 'http://localhost:6379', 'must be a redis:// URL'],
    ['SMTP_URL', 'mail.example.com:25', 'must be an smtp:// or smtps:// URL'],
    ['PUBLIC_URL', 'example.com', 'must be an http(s):// URL'],
    ['APP_FRONTEND_URL', 'ftp://example.com', 'must be an http(s):// URL'],
    ['S3_ENDPOINT', 'localhost:9000', 'must be an http(s):// URL'],
    ['S3_PUBLIC_ENDPOINT', 'cdn', 'must be an http(s):// URL'],
    ['OIDC_REDIRECT_URL', '/callback', 'must be an http(s):// URL'],
    ['S3_BUCKET', 'Bad_Bucket', 'must be a valid S3 bucket name'],
    ['BACKUP_S3_BUCKET', 'x', 'must be a valid S3 bucket name'],
    ['JWT_KEY_ID', 'has space', 'must be 1-100 letters, digits, ".", "_" or "-"'],
  ])('optional %s=%s is rejected with its rule; unset is fine', (name, value, rule) => {
    const problems = problemsOf({ [name]: value });
    expect(named(problems)).toEqual([name]);
    expect(problems[0]).toContain(rule);
    expect(() => parseEnv({ [name]: undefined })).not.toThrow();
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DB_POOL_SIZE: '0',
      RATE_LIMIT_STATS: 'lots',
    });
    expect(named(problems)).toEqual(['DB_POOL_SIZE', 'LOG_LEVEL', 'PORT', 'RATE_LIMIT_STATS']);
  });

  it('accepts a weak secret outside production', () => {
    expect(parseEnv({ NODE_ENV: 'development', JWT_SECRET: 'secret' }).JWT_SECRET).toBe('secret');
  });

  describe('in production', () => {
    it('accepts a complete, strong environment', () => {
      const env = parseEnv(PRODUCTION);
      expect(env).toMatchObject(PRODUCTION);
    });

    it('accepts CORS origins without a wildcard and a strong METRICS_TOKEN', () => {
      expect(() =>
        parseEnv({
          ...PRODUCTION,
          CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
          METRICS_TOKEN: 'b7e0c3a6d9f2e5b8a1d4c7f0e3b6a9d2',
        }),
      ).not.toThrow();
    });

    it('requires DATABASE_URL, JWT_SECRET and SIGNING_SECRET, each named', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      expect(named(problems)).toEqual(['DATABASE_URL', 'JWT_SECRET', 'SIGNING_SECRET']);
      for (const p of problems) expect(p).toContain('required in production');
    });

    it.each(['DATABASE_URL', 'JWT_SECRET', 'SIGNING_SECRET'])(
      'names a missing %s alone',
      (name) => {
        expect(named(problemsOf({ ...PRODUCTION, [name]: undefined }))).toEqual([name]);
      },
    );

    it('rejects a known weak value padded to length ("changeme…")', () => {
      const problems = problemsOf({ ...PRODUCTION, JWT_SECRET: 'changeme'.padEnd(64, '0') });
      expect(named(problems)).toEqual(['JWT_SECRET']);
      expect(problems[0]).toContain('weak');
    });

    it('rejects a long secret containing "secret"', () => {
      const value = `my-super-SECRET-${SIGNING.slice(0, 40)}`;
      expect(named(problemsOf({ ...PRODUCTION, SIGNING_SECRET: value }))).toEqual([
        'SIGNING_SECRET',
      ]);
    });

    it('rejects a short secret', () => {
      const problems = problemsOf({ ...PRODUCTION, JWT_SECRET: JWT.slice(0, 31) });
      expect(named(problems)).toEqual(['JWT_SECRET']);
      expect(problems[0]).toContain('at least 32 characters');
    });

    it('accepts a secret of exactly 32 characters', () => {
      expect(() => parseEnv({ ...PRODUCTION, JWT_SECRET: JWT.slice(0, 32) })).not.toThrow();
    });

    it('rejects JWT_SECRET equal to SIGNING_SECRET', () => {
      const problems = problemsOf({ ...PRODUCTION, SIGNING_SECRET: JWT });
      expect(problems).toEqual(['SIGNING_SECRET must differ from JWT_SECRET']);
    });

    it.each(['*', 'https://app.example.com, *'])('rejects CORS_ORIGINS=%s', (origins) => {
      const problems = problemsOf({ ...PRODUCTION, CORS_ORIGINS: origins });
      expect(named(problems)).toEqual(['CORS_ORIGINS']);
    });

    it('reports schema and production problems together', () => {
      const problems = problemsOf({ NODE_ENV: 'production', PORT: 'abc', CORS_ORIGINS: '*' });
      expect(named(problems)).toEqual([
        'CORS_ORIGINS',
        'DATABASE_URL',
        'JWT_SECRET',
        'PORT',
        'SIGNING_SECRET',
      ]);
    });
  });

  describe('asymmetric access tokens and verified email', () => {
    const edPem = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    it('refuses RS256/EdDSA without a usable JWT_PRIVATE_KEY, naming it', () => {
      expect(named(problemsOf({ JWT_ALGORITHM: 'RS256' }))).toEqual(['JWT_PRIVATE_KEY']);
      expect(named(problemsOf({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: 'x' }))).toEqual([
        'JWT_PRIVATE_KEY',
      ]);
      expect(named(problemsOf({ JWT_ALGORITHM: 'ES256' }))).toEqual(['JWT_ALGORITHM']);
    });

    it('does not need JWT_SECRET in production with EdDSA', () => {
      const env = parseEnv({
        ...PRODUCTION,
        JWT_SECRET: undefined,
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: edPem.replace(/\n/g, '\\n'),
      });
      expect(env.JWT_ALGORITHM).toBe('EdDSA');
    });

    it('AUTH_REQUIRE_VERIFIED_EMAIL is unset unless given (authConfig defaults it by NODE_ENV)', () => {
      expect(parseEnv({}).AUTH_REQUIRE_VERIFIED_EMAIL).toBeUndefined();
      expect(parseEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }).AUTH_REQUIRE_VERIFIED_EMAIL).toBe(
        false,
      );
    });
  });
});
