import * as path from 'node:path';
import type { Syntax } from '../step/types';
import type { StepDirs } from './plan';

/**
 * What a bootstrap sets before anything of its step runs, in this order: the step's own HOME
 * and temp folders and, for pwsh, the folders it derives from HOME at start (cache, data,
 * config, module analysis cache), since it started before its step had a HOME. Together with
 * `baseEnvironment()` (src/run/script-environment.ts) this is the whole environment a script
 * sees; docs/script-environment.md lists it.
 */
export function stepEnvironment(
  dirs: Pick<StepDirs, 'home' | 'tmp'>,
  syntax: Syntax
): Array<[name: string, value: string]> {
  const own: Array<[string, string]> = [
    ['HOME', dirs.home],
    ['TMPDIR', dirs.tmp],
    ['TMP', dirs.tmp],
    ['TEMP', dirs.tmp],
  ];
  if (syntax === 'bash') return own;
  const cache = path.join(dirs.home, '.cache');
  return [
    ...own,
    ['XDG_CACHE_HOME', cache],
    ['XDG_DATA_HOME', path.join(dirs.home, '.local', 'share')],
    ['XDG_CONFIG_HOME', path.join(dirs.home, '.config')],
    ['PSModuleAnalysisCachePath', path.join(cache, 'powershell', 'ModuleAnalysisCache')],
  ];
}
