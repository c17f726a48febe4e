import * as os from 'node:os';
import * as path from 'node:path';
import type { Syntax } from '../step/types';

/**
 * Settings pwsh reads once, at process start, before its step exists: invariant globalization
 * (no ICU needed, faster start), no telemetry, no update check, no first-run banners. Nothing
 * of a step is here; the bootstrap sets the step's HOME, temp and module cache folders.
 */
export const POWERSHELL_PROCESS_SETTINGS: Readonly<Record<string, string>> = {
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
  POWERSHELL_TELEMETRY_OPTOUT: '1',
  POWERSHELL_UPDATECHECK: 'Off',
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  DOTNET_GENERATE_ASPNET_CERTIFICATE: 'false',
};

/**
 * Where a pwsh started ahead of its step keeps what it writes before the step exists: pwsh
 * creates its XDG folders at start (and fails to start where it cannot), and saves the JIT
 * start-up profile there at exit, which makes the next interpreter's start and first
 * commands faster. Worker-private; the bootstrap points the step's XDG folders at its own HOME.
 */
export function powerShellWorkerDir(): string {
  return path.join(os.tmpdir(), 'tidepool-pwsh');
}

/**
 * The environment an interpreter starts with. The worker's own variables (cloud
 * credentials, tokens, configuration) are never passed on. The bootstrap then sets the
 * step's HOME, TMPDIR, TMP, TEMP and working directory; docs/script-environment.md lists it all.
 * pwsh also gets `POWERSHELL_PROCESS_SETTINGS` and worker-private XDG folders; bash gets PATH
 * and LANG only.
 */
export function baseEnvironment(layerBin?: string, syntax?: Syntax): Record<string, string> {
  const searchPath = [layerBin, '/usr/local/bin', '/usr/bin', '/bin']
    .filter((p): p is string => Boolean(p))
    .join(':');
  const base = { PATH: searchPath, LANG: 'C.UTF-8' };
  if (syntax !== 'powershell') return base;
  const dir = powerShellWorkerDir();
  return {
    ...base,
    ...POWERSHELL_PROCESS_SETTINGS,
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
  };
}
