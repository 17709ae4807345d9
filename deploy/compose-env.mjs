// Writes .env for docker-compose.yml from deploy/compose.env.example, generating every secret
// that the example leaves empty (32 random bytes, hex: URL-safe and never a weak value).
//
//   node deploy/compose-env.mjs          # refuses to overwrite an existing .env
//   node deploy/compose-env.mjs --force  # replaces it (new secrets: existing volumes keep the
//                                        # old PostgreSQL/MinIO passwords, see docs/deployment.md)
//   node deploy/compose-env.mjs --out FILE  # writes FILE instead of .env
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECRETS = new Set([
  'JWT_SECRET',
  'SIGNING_SECRET',
  'METRICS_TOKEN',
  'POSTGRES_PASSWORD',
  'MINIO_ROOT_PASSWORD',
  'S3_SECRET_ACCESS_KEY',
  'GRAFANA_ADMIN_PASSWORD',
]);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv.indexOf('--out');
const target = out === -1 ? join(root, '.env') : process.argv[out + 1];
if (existsSync(target) && !process.argv.includes('--force')) {
  console.error('.env exists already; run with --force to replace it (and its secrets)');
  process.exit(1);
}

const example = readFileSync(join(root, 'deploy', 'compose.env.example'), 'utf8');
const env = example.replace(/^([A-Z0-9_]+)=$/gm, (line, name) =>
  SECRETS.has(name) ? `${name}=${randomBytes(32).toString('hex')}` : line,
);
writeFileSync(target, env, { mode: 0o600 });
process.stdout.write(`wrote ${target} with ${SECRETS.size} generated secrets\n`);
