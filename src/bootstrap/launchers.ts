import type { Syntax } from '../step/types';
import { BASH_LAUNCHER_ARGS } from './bash';
import { POWERSHELL_LAUNCHER_ARGS } from './powershell';

/** The arguments that start each interpreter waiting for its step on stdin. */
export const LAUNCHER_ARGS: Partial<Record<Syntax, string[]>> = {
  bash: BASH_LAUNCHER_ARGS,
  powershell: POWERSHELL_LAUNCHER_ARGS,
};
