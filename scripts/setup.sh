#!/usr/bin/env bash
# Everything a fresh clone needs before the demo or the tests: npm packages, the build,
# PowerShell. Idempotent: quiet and quick when all of it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

stamp=dist/src/cli/main.js
if [ ! -f "$stamp" ] || [ -n "$(find src functions bench schemas tsconfig.json tsconfig.build.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "setup: building..." >&2
  npx tsc -p tsconfig.build.json
fi

bash scripts/install-pwsh.sh
