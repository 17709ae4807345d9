#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker-compose config` parses the file,
# checks it against the compose schema and resolves every ${VAR} substitution. Installs nothing.
#
#   bash scripts/check-compose.sh
#
# Placeholder secrets are used, and any .env in the checkout is ignored (--env-file of an empty
# file), since the file has no defaults for them. Then one run per secret without it must fail,
# proving that no default secret crept in (the stack refuses to start without a real .env).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every variable docker-compose.yml requires (${NAME:?...}); deploy/compose-env.mjs generates them.
SECRETS=(JWT_SECRET SIGNING_SECRET METRICS_TOKEN POSTGRES_PASSWORD MINIO_ROOT_PASSWORD
  S3_SECRET_ACCESS_KEY GRAFANA_ADMIN_PASSWORD)

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "docker-compose not installed, skipped"
  exit 0
fi

no_env_file="$(mktemp)"
trap 'rm -f "$no_env_file"' EXIT

# config [NAME]: resolves the file with a placeholder for every secret except NAME.
config() {
  local assignments=() name
  for name in "${SECRETS[@]}"; do
    [[ "$name" == "${1:-}" ]] || assignments+=("$name=placeholder-$name")
  done
  env -u "${1:-UNSET_NOTHING}" "${assignments[@]}" \
    "${compose[@]}" --env-file "$no_env_file" -f docker-compose.yml config --quiet
}

config

for name in "${SECRETS[@]}"; do
  if config "$name" >/dev/null 2>&1; then
    echo "docker-compose.yml: $name must be required (\${$name:?...}), but the file resolves without it" >&2
    exit 1
  fi
done

echo "docker-compose.yml is valid; it refuses to resolve without any of: ${SECRETS[*]}"
