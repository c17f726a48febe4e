import * as path from 'node:path';

/** Where Lambda mounts layers; the script-runtime layer's interpreters are in `${LAYER_ROOT}/bin`. */
export const LAYER_ROOT = '/opt';

/**
 * Environment variables that pwsh (and the scripts it runs) need when started from the
 * script-runtime layer on Lambda, where only /tmp is writable and there is no ICU and no .NET.
 * See docs/layer.md. Merge them over the job's environment; PATH is left to the caller.
 *
 * @param tmpDir a writable directory for this container or job (under /tmp on Lambda)
 */
export function layerEnvironment(tmpDir: string): Record<string, string> {
  const dir = path.resolve(tmpDir);
  const home = path.join(dir, 'home');
  const cache = path.join(home, '.cache');
  return {
    // AL2023 (nodejs24.x) has no libicu: without this the .NET runtime aborts at start-up.
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
    // ...but let culture names resolve: PowerShell's modules ask for "en-US" (Import-LocalizedData).
    DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY: 'false',
    // No telemetry, no update check, no first-run work.
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    POWERSHELL_UPDATECHECK: 'Off',
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    DOTNET_NOLOGO: '1',
    // The rest of the file system is read-only: everything pwsh writes goes under tmpDir.
    HOME: home,
    XDG_CACHE_HOME: cache,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    PSModuleAnalysisCachePath: path.join(cache, 'powershell', 'ModuleAnalysisCache'),
    TMPDIR: dir,
  };
}
