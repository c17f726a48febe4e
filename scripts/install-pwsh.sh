#!/usr/bin/env bash
# Installs PowerShell 7.6.9 as a .NET global tool when no pwsh is found. Idempotent and
# quiet when pwsh is already there. Where no dotnet exists, says how to get PowerShell.
set -euo pipefail
version=7.6.9
tools="$HOME/.dotnet/tools"

if [ -n "${TIDEPOOL_PWSH:-}" ] && [ -x "$TIDEPOOL_PWSH" ]; then exit 0; fi
if command -v pwsh >/dev/null 2>&1 || [ -x "$tools/pwsh" ]; then exit 0; fi

if ! command -v dotnet >/dev/null 2>&1; then
  cat >&2 <<MSG
install-pwsh: no pwsh and no dotnet on this machine.
Install PowerShell 7 with your platform's package (see
https://learn.microsoft.com/powershell/scripting/install/installing-powershell-on-linux),
or install the .NET SDK and run this script again, or set TIDEPOOL_PWSH to a pwsh binary.
MSG
  exit 1
fi

echo "install-pwsh: installing PowerShell $version as a dotnet global tool..." >&2
dotnet tool install --global PowerShell --version "$version" >/dev/null
echo "install-pwsh: installed $tools/pwsh (add $tools to PATH to use it directly)" >&2
