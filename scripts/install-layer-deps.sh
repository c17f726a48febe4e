#!/usr/bin/env bash
# Prepares a fresh (Debian 12) machine for `npm run build:layer` (layers/script-runtime/build.mjs).
# Idempotent and quiet when everything is already there; runs `apt-get update` only when the
# package lists lack what layers/script-runtime/inputs.json pins.
#
# What the build needs:
#   - dpkg-deb and tar (dpkg, tar: on every Debian), apt-get download for the pinned .debs
#   - the arm64 architecture known to apt, so `apt-get download <pkg>:arm64` works (no arm64
#     package is installed: only downloaded and unpacked)
#   - the .NET SDK (`dotnet restore` fetches the PowerShell and runtime packs from NuGet); it is
#     not a Debian package and comes with the machine image: this script only checks for it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
inputs="$here/../layers/script-runtime/inputs.json"
sudo=''
if [ "$(id -u)" != 0 ]; then sudo='sudo'; fi

say() { printf 'install-layer-deps: %s\n' "$*" >&2; }

for tool in apt-get dpkg node; do
  command -v "$tool" >/dev/null || {
    say "$tool is missing (this script expects Debian with Node.js)"
    exit 1
  }
done

# Debian tools the build calls (present on Debian, but a minimal image may lack them).
missing=()
command -v dpkg-deb >/dev/null || missing+=(dpkg)
command -v tar >/dev/null || missing+=(tar)
command -v gzip >/dev/null || missing+=(gzip)

updated=0
apt_update() {
  if [ "$updated" = 0 ]; then
    say 'apt-get update'
    $sudo apt-get update -qq
    updated=1
  fi
}

if ! dpkg --print-foreign-architectures | grep -qx arm64 && [ "$(dpkg --print-architecture)" != arm64 ]; then
  say 'adding the arm64 architecture to apt (for apt-get download of arm64 packages)'
  $sudo dpkg --add-architecture arm64
  apt_update
fi
if ! dpkg --print-foreign-architectures | grep -qx amd64 && [ "$(dpkg --print-architecture)" != amd64 ]; then
  say 'adding the amd64 architecture to apt'
  $sudo dpkg --add-architecture amd64
  apt_update
fi

if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The pinned .deb versions must be known to apt for both architectures.
mapfile -t wanted < <(node -e '
  const d = require(process.argv[1]).debian;
  for (const [name, pin] of Object.entries(d)) {
    if (name.startsWith("$")) continue;
    for (const arch of Object.keys(pin.sha256)) console.log(`${name} ${arch} ${pin.version}`);
  }' "$inputs")
offered() { # prints "name arch version" for every version apt offers of the pinned packages
  local names=()
  for w in "${wanted[@]}"; do
    read -r n a _ <<<"$w"
    names+=("$n:$a")
  done
  apt-cache madison "${names[@]}" 2>/dev/null |
    awk -F' *[|] *' '{ split($1, p, ":"); n = split($3, s, " "); print p[1], s[n-1], $2 }'
}
lacking() {
  local have
  have="$(offered)"
  for w in "${wanted[@]}"; do grep -qxF "$w" <<<"$have" || echo "$w"; done
}
if [ -n "$(lacking)" ]; then
  apt_update
  gone="$(lacking)"
  if [ -n "$gone" ]; then
    say "apt does not offer: $(tr '\n' ';' <<<"$gone") bump the versions and hashes in layers/script-runtime/inputs.json"
    exit 1
  fi
fi

if ! command -v dotnet >/dev/null; then
  say 'warning: no dotnet on PATH: the NuGet route of the build needs the .NET SDK (10.x)'
  say '         (or build pwsh from the release tarball: --pwsh-tarball FILE / --download-pwsh)'
fi
