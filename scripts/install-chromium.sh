#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the admin page browser test (test/e2e/admin-ui.e2e-spec.ts).
# Idempotent: does nothing when /usr/bin/chromium already runs.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1; then
  echo "chromium present: $(chromium --version 2>/dev/null)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium installed: $(chromium --version 2>/dev/null)"
