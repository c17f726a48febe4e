#!/usr/bin/env bash
# Runs every example step with `tidepool run` and shows its log and result.
# A failing example is part of the show: the demo itself exits 0 when each example ends as
# its folder expects (examples/failure fails on purpose).
set -uo pipefail
cd "$(dirname "$0")/.."
out=.tidepool/demo
rm -rf "$out"
status=0
for dir in examples/*/; do
  name=$(basename "$dir")
  script=$(ls "$dir"step.* 2>/dev/null | head -n 1)
  [ -n "$script" ] || continue
  printf '\n\033[1m=== example: %s (%s) ===\033[0m\n' "$name" "$script"
  args=(run "$script" --out "$out/$name")
  [ -f "$dir/variables.json" ] && args+=(--variables "$dir/variables.json")
  bin/tidepool "${args[@]}"
  code=$?
  expected=0
  [ "$name" = failure ] && expected=1
  if [ "$code" -ne "$expected" ]; then
    echo "demo: example $name exited $code, expected $expected" >&2
    status=1
  fi
done
printf '\nResult bundles (result.json, log.txt, artifacts/) are in %s/\n' "$out"
exit $status
