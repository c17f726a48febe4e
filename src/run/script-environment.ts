/**
 * The environment an interpreter starts with. The worker's own variables (cloud
 * credentials, tokens, configuration) are never passed on. The bootstrap then sets the
 * step's HOME, TMPDIR, TMP, TEMP and working directory; docs/script-environment.md lists it all.
 */
export function baseEnvironment(layerBin?: string): Record<string, string> {
  const path = [layerBin, '/usr/local/bin', '/usr/bin', '/bin']
    .filter((p): p is string => Boolean(p))
    .join(':');
  return { PATH: path, LANG: 'C.UTF-8' };
}
