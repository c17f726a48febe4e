import type { StepDirs } from '../bootstrap/plan';

/**
 * The whole environment a script gets. The worker's own variables (cloud credentials,
 * tokens, configuration) are never passed on; docs/script-environment.md lists these.
 */
export function scriptEnvironment(
  dirs: StepDirs,
  options: { layerBin?: string; extra?: Record<string, string> } = {}
): Record<string, string> {
  const path = [options.layerBin, '/usr/local/bin', '/usr/bin', '/bin']
    .filter((p): p is string => Boolean(p))
    .join(':');
  return {
    PATH: path,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    TMP: dirs.tmp,
    TEMP: dirs.tmp,
    LANG: 'C.UTF-8',
    ...options.extra,
  };
}
