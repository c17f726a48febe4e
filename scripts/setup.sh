#!/usr/bin/env bash
# Everything a fresh clone needs before the demo or the tests: Debian tools the tests use,
# npm packages, the build, PowerShell, and what the layer build needs. Idempotent: quiet and
# quick when all of it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages: openssl/coreutils for scripts, osslsigncode and ssh-keygen for the
# signed-script fixtures.
missing=()
command -v base64 >/dev/null 2>&1 || missing+=(coreutils)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v osslsigncode >/dev/null 2>&1 || missing+=(osslsigncode)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=''
  [ "$(id -u)" = 0 ] || sudo='sudo'
  say "installing ${missing[*]} with apt-get..."
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages..."
  npm ci --no-audit --no-fund --loglevel=error
fi

stamp=dist/src/cli/main.js
if [ ! -f "$stamp" ] || [ -n "$(find src functions bench schemas scripts/compile-schemas.mjs tsconfig.json tsconfig.build.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  say "building..."
  npx tsc -p tsconfig.build.json
fi

bash scripts/install-pwsh.sh
if [ "${TIDEPOOL_SETUP_LAYER:-0}" = 1 ]; then
  bash scripts/install-layer-deps.sh
fi
