import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import type { Syntax } from '../step/types';

const PROGRAM: Record<Syntax, string> = { bash: 'bash', powershell: 'pwsh' };
const SETTING: Record<Syntax, string> = { bash: 'TIDEPOOL_BASH', powershell: 'TIDEPOOL_PWSH' };
/** Where the Lambda layer puts its binaries (part 5). */
export const LAYER_BIN = '/opt/bin';

export class InterpreterNotFoundError extends Error {
  override readonly name = 'InterpreterNotFoundError';
  constructor(readonly syntax: Syntax) {
    const hint =
      syntax === 'powershell'
        ? 'install PowerShell 7 (scripts/install-pwsh.sh does it where dotnet exists) or set TIDEPOOL_PWSH'
        : 'install bash or set TIDEPOOL_BASH';
    super(`No ${PROGRAM[syntax]} found for ${syntax} steps: ${hint}`);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the interpreter for a syntax: the TIDEPOOL_BASH / TIDEPOOL_PWSH setting, then the
 * Lambda layer, then PATH. `env` is the worker's environment, read once per lookup.
 */
export function locateInterpreter(syntax: Syntax, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[SETTING[syntax]];
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new Error(`${SETTING[syntax]}=${configured} is not an executable file`);
  }
  const program = PROGRAM[syntax];
  const candidates = [path.join(LAYER_BIN, program)];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir) candidates.push(path.join(dir, program));
  }
  const home = env.HOME;
  if (syntax === 'powershell' && home) candidates.push(path.join(home, '.dotnet', 'tools', 'pwsh'));
  const found = candidates.find(isExecutable);
  if (!found) throw new InterpreterNotFoundError(syntax);
  return found;
}
