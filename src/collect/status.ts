// How a finished process becomes a step status (contract sections 1.8 and 5.3).

import type { ResultError } from '../step/errors';
import type { StepStatus } from '../step/result';

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled?: boolean;
}

export interface StatusInput extends ProcessOutcome {
  /** `Octopus.Action.FailScriptOnErrorOutput` parsed as a boolean. */
  failOnErrorOutput: boolean;
  sawErrorOutput: boolean;
}

export interface StatusDecision {
  status: StepStatus;
  /** The final code, as `Octopus.Action.Script.ExitCode` carries it; null when none. */
  exitCode: number | null;
  error?: ResultError;
}

export function decideStatus(input: StatusInput): StatusDecision {
  if (input.cancelled) {
    return {
      status: 'cancelled',
      exitCode: null,
      error: { code: 'cancelled', message: 'The step was cancelled; the script was stopped.' },
    };
  }
  if (input.timedOut) {
    return {
      status: 'timed-out',
      exitCode: null,
      error: { code: 'timed-out', message: 'The script ran past its timeout and was stopped.' },
    };
  }
  if (input.exitCode === null) {
    return {
      status: 'failed',
      exitCode: null,
      error: {
        code: 'killed',
        message: `The script's process was killed by ${input.signal ?? 'a signal'}.`,
      },
    };
  }
  if (input.exitCode === 0 && input.failOnErrorOutput && input.sawErrorOutput) {
    return { status: 'failed', exitCode: -1 };
  }
  return { status: input.exitCode === 0 ? 'succeeded' : 'failed', exitCode: input.exitCode };
}
