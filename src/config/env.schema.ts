import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { commaList } from './comma-list.js';
import { JWT_ALGORITHMS, type JwtAlgorithm, parseJwtKeys } from './jwt-keys.js';
import { parseOidcProviders } from './oidc-providers.js';
import { findSecretProblems } from './secrets.js';
import { parseWebhookSources } from './webhook-sources.js';

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))
    ? Number(value)
    : value;

/** An integer variable within [min, max], read from its decimal text. */
const IntRange = (min: number, max: number): PropertyDecorator =>
  applyDecorators(Transform(toInt), IsInt(), Min(min), Max(max));

/** An optional text variable that, when set, must match `pattern` (`message` names the rule). */
const OptionalMatching = (pattern: RegExp, message: string): PropertyDecorator =>
  applyDecorators(IsOptional(), IsString(), Matches(pattern, { message }));

const HTTP_URL = /^https?:\/\//;
const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `<limit>/<window>` such as `100/1m`, `5/30s`, `3/1h`. */
export const RATE_LIMIT_PATTERN = /^\d+\/\d+(ms|s|m|h)$/;

/**
 * Every environment variable the app reads. Defaults live here so that
 * docs/configuration.md, .env.example and the code cannot disagree.
 */
export class Env {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  APP_NAME = 'nest-starter';

  @IntRange(0, 65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(['all', 'api', 'worker'])
  PROCESS_ROLE: 'all' | 'api' | 'worker' = 'all';

  @IntRange(1000, 600_000)
  SHUTDOWN_TIMEOUT_MS = 30_000;

  @IntRange(0, 120_000)
  SHUTDOWN_DRAIN_MS = 5_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  LOG_PRETTY?: boolean;

  @OptionalMatching(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
  DATABASE_URL?: string;

  @IntRange(1, 500)
  DB_POOL_SIZE = 20;

  @IntRange(0, 3_600_000)
  DB_STATEMENT_TIMEOUT_MS = 30_000;

  @IntRange(1, 600_000)
  DB_SLOW_QUERY_MS = 100;

  @IntRange(0, 10_000)
  DB_QUERY_WARN_COUNT = 10;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DB_MIGRATE_ON_START?: boolean;

  @IsString()
  EMBEDDED_PG_DIR = '.data/postgres';

  @IntRange(1024, 65535)
  EMBEDDED_PG_PORT = 54329;

  @OptionalMatching(/^rediss?:\/\//, 'must be a redis:// URL')
  REDIS_URL?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_:-]{1,64}$/, { message: 'must be 1-64 of [A-Za-z0-9_:-]' })
  QUEUE_PREFIX = 'bull';

  @IntRange(1, 50)
  QUEUE_ATTEMPTS = 3;

  @IntRange(10, 3_600_000)
  QUEUE_BACKOFF_MS = 1000;

  @IntRange(1, 365)
  QUEUE_KEEP_FAILED_DAYS = 7;

  @IntRange(1, 100)
  QUEUE_CONCURRENCY = 5;

  @IntRange(1, 20)
  QUEUE_PG_POOL_SIZE = 2;

  @IntRange(100, 60_000)
  QUEUE_ENQUEUE_TIMEOUT_MS = 3_000;

  @IntRange(500, 600_000)
  QUEUE_LOCK_DURATION_MS = 30_000;

  @IntRange(100, 600_000)
  QUEUE_STALLED_INTERVAL_MS = 30_000;

  @IsString()
  @Matches(
    /^(true|false|\d+|(\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+)\s*)(,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+)\s*)*)$/,
    {
      message: 'must be true, false, a hop count, or a comma list of proxy IPs/CIDRs',
    },
  )
  TRUST_PROXY = 'false';

  @IsString()
  @MaxLength(4000)
  CORS_ORIGINS = '';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1_048_576;

  @IntRange(100, 600_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  @IntRange(100, 3_600_000)
  HTTP_REQUEST_TIMEOUT_MS = 300_000;

  @IntRange(100, 3_600_000)
  HTTP_IDLE_TIMEOUT_MS = 60_000;

  @IntRange(100, 600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  GRAPHQL_INTROSPECTION?: boolean;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  GRAPHQL_GRAPHIQL?: boolean;

  @IntRange(1, 100)
  GRAPHQL_MAX_DEPTH = 10;

  @IntRange(1, 1_000_000)
  GRAPHQL_MAX_COMPLEXITY = 1000;

  @IntRange(1, 1000)
  GRAPHQL_MAX_ALIASES = 15;

  @IntRange(1, 100)
  GRAPHQL_MAX_BATCH = 10;

  @IntRange(1000, 10_000_000)
  GRAPHQL_MAX_DOCUMENT_BYTES = 100_000;

  @IntRange(100, 1_000_000)
  GRAPHQL_MAX_TOKENS = 5000;

  /** Compile a document with graphql-jit once it has run this many times; 0 never. */
  @IntRange(0, 1_000_000)
  GRAPHQL_JIT_AFTER = 3;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  GRAPHQL_UPLOAD_REQUIRE_PREFLIGHT?: boolean;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  API_DOCS_ENABLED?: boolean;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  ADMIN_UI_ENABLED?: boolean;

  @Transform(toBool)
  @IsBoolean()
  METRICS_ENABLED = true;

  @IsOptional()
  @IsString()
  @MinLength(32)
  METRICS_TOKEN?: string;

  @Matches(RATE_LIMIT_PATTERN, { message: 'must look like 100/1m (limit/window in ms|s|m|h)' })
  RATE_LIMIT_DEFAULT = '100/1m';

  @Matches(RATE_LIMIT_PATTERN, { message: 'must look like 5/1m (limit/window in ms|s|m|h)' })
  RATE_LIMIT_STRICT = '5/1m';

  @Matches(RATE_LIMIT_PATTERN, { message: 'must look like 10/1m (limit/window in ms|s|m|h)' })
  RATE_LIMIT_STATS = '10/1m';

  @IsString()
  HEALTH_DISK_PATH = '.';

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  HEALTH_DISK_MIN_FREE_RATIO = 0.1;

  @Transform(toNumber)
  @IsNumber()
  @Min(0.01)
  @Max(1)
  HEALTH_HEAP_MAX_RATIO = 0.9;

  @IntRange(10, 60_000)
  HEALTH_CHECK_TIMEOUT_MS = 1000;

  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @IsIn(JWT_ALGORITHMS)
  JWT_ALGORITHM: JwtAlgorithm = 'HS256';

  @IsOptional()
  @IsString()
  JWT_PRIVATE_KEY?: string;

  @OptionalMatching(/^[\w.-]{1,100}$/, 'must be 1-100 letters, digits, ".", "_" or "-"')
  JWT_KEY_ID?: string;

  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEYS?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  JWT_AUDIENCE?: string;

  @IntRange(60, 86_400)
  JWT_ACCESS_TTL_SECONDS = 900;

  @IsOptional()
  @IsString()
  SIGNING_SECRET?: string;

  @IntRange(3600, 31_536_000)
  AUTH_REFRESH_TTL_SECONDS = 7 * 86_400;

  @IntRange(3600, 31_536_000)
  AUTH_SESSION_MAX_AGE_SECONDS = 30 * 86_400;

  @IntRange(300, 604_800)
  AUTH_VERIFY_EMAIL_TTL_SECONDS = 86_400;

  @IntRange(300, 604_800)
  AUTH_RESET_PASSWORD_TTL_SECONDS = 1800;

  @IntRange(1, 1000)
  AUTH_LOGIN_MAX_FAILURES = 5;

  @IntRange(1, 86_400)
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS = 60;

  @IntRange(1, 10_000)
  AUTH_LOGIN_ACCOUNT_MAX_FAILURES = 20;

  @IntRange(1, 86_400)
  AUTH_LOGIN_ACCOUNT_WINDOW_SECONDS = 900;

  @IntRange(1, 86_400)
  AUTH_LOGIN_ACCOUNT_LOCK_SECONDS = 900;

  @IntRange(1, 3650)
  AUTH_SESSION_RETENTION_DAYS = 30;

  @Transform(toBool)
  @IsBoolean()
  AUTH_REQUIRE_2FA_FOR_ADMINS = false;

  /** Unset: true in production, false otherwise (see authConfig). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  AUTH_REQUIRE_VERIFIED_EMAIL?: boolean;

  /** Unset: the value of AUTH_REQUIRE_VERIFIED_EMAIL (see authConfig); true needs it on. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  AUTH_REGISTRATION_ENUMERATION_SAFE?: boolean;

  @IntRange(300, 604_800)
  AUTH_CHANGE_EMAIL_TTL_SECONDS = 86_400;

  @IntRange(1, 365)
  AUTH_ACCOUNT_RESTORE_DAYS = 30;

  @IsString()
  @MinLength(1)
  EXPORT_DIR = '.data/exports';

  @IntRange(1, 8760)
  EXPORT_TTL_HOURS = 24;

  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  ADMIN_PASSWORD?: string;

  @IntRange(8192, 1_048_576)
  ARGON2_MEMORY_KIB = 19_456;

  @IntRange(1, 10)
  ARGON2_ITERATIONS = 2;

  @IntRange(1, 16)
  ARGON2_PARALLELISM = 1;

  @OptionalMatching(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
  SMTP_URL?: string;

  @IntRange(500, 120_000)
  SMTP_TIMEOUT_MS = 15_000;

  @IntRange(1, 100)
  SMTP_CONCURRENCY = 5;

  @IntRange(1, 100)
  RESILIENCE_BREAKER_FAILURES = 5;

  @IntRange(100, 3_600_000)
  RESILIENCE_BREAKER_HALF_OPEN_MS = 60_000;

  @IntRange(10, 60_000)
  RESILIENCE_RETRY_INITIAL_DELAY_MS = 2_000;

  @IntRange(10, 600_000)
  RESILIENCE_RETRY_MAX_DELAY_MS = 32_000;

  @IsString()
  @MaxLength(320)
  MAIL_FROM = 'no-reply@localhost';

  @IsString()
  MAIL_DIR = '.data/mail';

  @IntRange(10, 3_600_000)
  MAIL_BACKOFF_MS = 2000;

  @OptionalMatching(HTTP_URL, 'must be an http(s):// URL')
  PUBLIC_URL?: string;

  /** A front-end of your own for the mailed account links; unset: the app's built-in pages. */
  @OptionalMatching(HTTP_URL, 'must be an http(s):// URL')
  APP_FRONTEND_URL?: string;

  @IntRange(1, 3650)
  AUDIT_RETENTION_DAYS = 90;

  @IntRange(0, 3600)
  STATS_CACHE_SECONDS = 60;

  @IntRange(1, 600_000)
  STATS_SLOW_QUERY_MS = 1000;

  @IntRange(1, 60)
  STATS_ROLLUP_MINUTES = 5;

  @IntRange(1, 10_000)
  STATS_ROLLUP_MAX_BUCKETS = 168;

  @IntRange(1, 400)
  STATS_BACKFILL_DAYS = 30;

  @IntRange(1, 3600)
  STATS_SAMPLE_SECONDS = 60;

  @IntRange(1, 3600)
  STATS_ACTIVITY_FLUSH_SECONDS = 5;

  @IntRange(0, 3600)
  NOTIFICATIONS_EMAIL_DIGEST_SECONDS = 60;

  @IntRange(100, 10_000)
  NOTIFICATIONS_BROADCAST_BATCH = 1000;

  @IntRange(1, 3650)
  NOTIFICATIONS_READ_RETENTION_DAYS = 30;

  @IntRange(1, 3650)
  NOTIFICATIONS_RETENTION_DAYS = 180;

  @IntRange(1, 1000)
  NOTIFICATIONS_STREAM_MAX_PER_USER = 5;

  @IntRange(1, 100_000)
  NOTIFICATIONS_STREAM_MAX_PER_IP = 20;

  @IntRange(1024, 1_048_576)
  NOTIFICATIONS_STREAM_MAX_MESSAGE_BYTES = 65_536;

  @IntRange(1, 300)
  NOTIFICATIONS_STREAM_HEARTBEAT_SECONDS = 30;

  @IntRange(5, 86_400)
  NOTIFICATIONS_STREAM_IDLE_SECONDS = 120;

  @IntRange(1, 1000)
  NOTIFICATIONS_STREAM_REPLAY_LIMIT = 100;

  @IntRange(100, 60_000)
  NOTIFICATIONS_STREAM_INIT_TIMEOUT_MS = 10_000;

  @IntRange(5, 300)
  NOTIFICATIONS_STREAM_TICKET_SECONDS = 30;

  @IntRange(100, 60_000)
  NOTIFICATIONS_STREAM_RETRY_MS = 3000;

  @IntRange(1, 720)
  IDEMPOTENCY_TTL_HOURS = 24;

  @IsIn(['local', 's3'])
  FILES_DRIVER: 'local' | 's3' = 'local';

  @IsString()
  @MinLength(1)
  FILES_LOCAL_ROOT = '.data/files';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  FILES_AVATAR_MAX_BYTES = 5 * 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(5 * 1024 * 1024 * 1024)
  FILES_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

  @IsString()
  @Matches(/^\s*[\w.+-]+\/[\w.+-]+\s*(,\s*[\w.+-]+\/[\w.+-]+\s*)*$/, {
    message: 'must be a comma-separated list of MIME types',
  })
  FILES_ATTACHMENT_TYPES =
    'application/pdf,image/jpeg,image/png,image/gif,image/webp,text/plain,text/csv,text/markdown,' +
    'application/zip,application/vnd.openxmlformats-officedocument.wordprocessingml.document,' +
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  FILES_USER_QUOTA_BYTES = 100 * 1024 * 1024;

  @IntRange(2, 100_000)
  FILES_ZIP_MAX_RATIO = 100;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(Number.MAX_SAFE_INTEGER)
  FILES_ZIP_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024;

  @IntRange(1, 1_000_000)
  FILES_ZIP_MAX_ENTRIES = 10_000;

  @IntRange(60, 604_800)
  FILES_LINK_TTL_SECONDS = 900;

  @IntRange(0, 3650)
  FILES_PURGE_AFTER_DAYS = 7;

  @IntRange(1, 720)
  FILES_ORPHAN_GRACE_HOURS = 24;

  @OptionalMatching(S3_BUCKET_NAME, 'must be a valid S3 bucket name')
  S3_BUCKET?: string;

  @IsString()
  @MaxLength(64)
  S3_REGION = 'us-east-1';

  @OptionalMatching(HTTP_URL, 'must be an http(s):// URL')
  S3_ENDPOINT?: string;

  /** The endpoint clients reach in presigned links, when it differs from S3_ENDPOINT. */
  @OptionalMatching(HTTP_URL, 'must be an http(s):// URL')
  S3_PUBLIC_ENDPOINT?: string;

  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
    message: 'must be a key prefix like app/files',
  })
  S3_PREFIX?: string;

  @IntRange(500, 600_000)
  S3_TIMEOUT_MS = 30_000;

  @IntRange(1, 1000)
  S3_CONCURRENCY = 50;

  /** Comma-separated source ids; each reads its secrets from WEBHOOK_<ID>_SECRETS. */
  @IsString()
  @MaxLength(2000)
  WEBHOOK_SOURCES = '';

  @IntRange(1, 3600)
  WEBHOOK_TOLERANCE_SECONDS = 300;

  // OpenID Connect / OAuth 2.0 sign-in (src/modules/auth/identities).
  /** Comma-separated provider ids; each reads OIDC_<ID>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, ... */
  @IsString()
  @MaxLength(2000)
  OIDC_PROVIDERS = '';

  /** Where a browser lands after the provider, with `?code=` (or `?error=`); unset: JSON. */
  @OptionalMatching(HTTP_URL, 'must be an http(s):// URL')
  OIDC_REDIRECT_URL?: string;

  @IntRange(500, 60_000)
  OIDC_TIMEOUT_MS = 5000;

  // Backup (`npm run cli -- backup` / `restore`).
  @IsString()
  @MaxLength(1000)
  BACKUP_DIR = '.data/backups';

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  BACKUP_METRICS_DIR?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  BACKUP_PG_DUMP?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  BACKUP_PG_RESTORE?: string;

  @IntRange(0, 9)
  BACKUP_COMPRESSION = 6;

  @IsOptional()
  @IsString()
  @MinLength(32)
  BACKUP_ENCRYPTION_KEY?: string;

  @IntRange(1, 365)
  BACKUP_KEEP_DAILY = 7;

  @IntRange(0, 520)
  BACKUP_KEEP_WEEKLY = 4;

  @OptionalMatching(S3_BUCKET_NAME, 'must be a valid S3 bucket name')
  BACKUP_S3_BUCKET?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
    message: 'must be a key prefix like app/backups',
  })
  BACKUP_S3_PREFIX = 'backups';

  // API keys (src/modules/api-keys).
  @IntRange(1, 3650)
  API_KEY_DEFAULT_TTL_DAYS = 90;

  @IntRange(1, 3650)
  API_KEY_MAX_TTL_DAYS = 365;

  @IntRange(1, 100_000)
  API_KEY_RATE_LIMIT_PER_MINUTE = 600;

  @IntRange(1, 10_000)
  API_KEY_INVALID_PER_IP_PER_MINUTE = 20;

  @IntRange(1, 1000)
  API_KEY_MAX_PER_ACCOUNT = 50;

  // Registration and consent (invites, consent records, the account deletion choice).
  @IsIn(['open', 'invite', 'closed'])
  REGISTRATION_MODE: 'open' | 'invite' | 'closed' = 'open';

  @IntRange(1, 720)
  INVITE_DEFAULT_TTL_HOURS = 72;

  @Transform(toBool)
  @IsBoolean()
  CONSENT_REQUIRED = false;

  @IsIn(['erase', 'anonymise'])
  ACCOUNT_DELETION_DEFAULT: 'erase' | 'anonymise' = 'anonymise';
}

/** The names of variables holding secrets: checked in production, never logged. */
export const SECRET_VARIABLES = ['JWT_SECRET', 'SIGNING_SECRET', 'METRICS_TOKEN'] as const;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Validates the raw environment; throws one error naming every bad variable and its rule. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const defined = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''),
  );
  const env = plainToInstance(Env, defined, { exposeDefaultValues: true });
  const problems = validateSync(env, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map(
      (rule) => `${error.property} ${stripName(rule, error.property)}`,
    ),
  );
  if (problems.length === 0) problems.push(...parseJwtKeys(env).problems);
  problems.push(...parseWebhookSources(env.WEBHOOK_SOURCES, defined).problems);
  problems.push(...parseOidcProviders(env.OIDC_PROVIDERS, defined).problems);
  if (env.AUTH_REGISTRATION_ENUMERATION_SAFE && !requiresVerifiedEmail(env)) {
    problems.push('AUTH_REGISTRATION_ENUMERATION_SAFE=true needs AUTH_REQUIRE_VERIFIED_EMAIL=true');
  }
  if (env.FILES_DRIVER === 's3' && !env.S3_BUCKET) {
    problems.push('S3_BUCKET is required when FILES_DRIVER=s3');
  }
  if (env.NODE_ENV === 'production') problems.push(...productionProblems(env));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/** AUTH_REQUIRE_VERIFIED_EMAIL as resolved: unset means on in production only. */
export function requiresVerifiedEmail(env: Env): boolean {
  return env.AUTH_REQUIRE_VERIFIED_EMAIL ?? env.NODE_ENV === 'production';
}

function stripName(rule: string, property: string): string {
  return rule.startsWith(`${property} `) ? rule.slice(property.length + 1) : rule;
}

function productionProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.DATABASE_URL) problems.push('DATABASE_URL is required in production');
  if (!env.JWT_SECRET && env.JWT_ALGORITHM === 'HS256') {
    problems.push('JWT_SECRET is required in production (with JWT_ALGORITHM=HS256)');
  }
  if (!env.SIGNING_SECRET) problems.push('SIGNING_SECRET is required in production');
  const secrets = SECRET_VARIABLES.map((name) => [name, env[name]] as const);
  problems.push(...findSecretProblems(secrets));
  if (env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) {
    problems.push('ADMIN_PASSWORD is required when ADMIN_EMAIL is set');
  }
  if (commaList(env.CORS_ORIGINS).includes('*')) {
    problems.push('CORS_ORIGINS must not contain * in production');
  }
  return problems;
}
