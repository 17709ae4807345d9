#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker-compose config` parses the file,
# checks it against the compose schema and resolves every ${VAR} substitution. Installs nothing.
#
#   bash scripts/check-compose.sh
#
# Placeholder secrets are used (unless set in the environment) since the file has no defaults
# for them; a second run without JWT_SECRET must fail, proving that no default secret crept in.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "docker-compose not installed, skipped"
  exit 0
fi

JWT_SECRET="${JWT_SECRET:-x}" SIGNING_SECRET="${SIGNING_SECRET:-y}" \
  "${compose[@]}" -f docker-compose.yml config --quiet

if env -u JWT_SECRET SIGNING_SECRET=y "${compose[@]}" -f docker-compose.yml config --quiet \
  >/dev/null 2>&1; then
  echo "docker-compose.yml: JWT_SECRET must be required (\${JWT_SECRET:?...}), but the file has a default" >&2
  exit 1
fi

echo "docker-compose.yml is valid"
