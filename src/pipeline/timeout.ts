import type { Level } from '../step/result';

export interface StepTimeout {
  /** How long the script may run here, in ms. */
  ms: number;
  /** As result.json records it. */
  recorded: { requestedSeconds: number; effectiveSeconds: number };
  /** What the log says first when the step gets less than it asked for. */
  notice?: { level: Level; text: string };
}

/**
 * The step's timeout (or the default), capped by the deadline less the grace period: on Lambda
 * a step may not outlive the invocation that runs it.
 */
export function stepTimeout(input: {
  /** The step's own `timeoutSeconds`, if it has one. */
  askedSeconds: number | undefined;
  defaultSeconds: number;
  /** When the script must be stopped at the latest (epoch ms). */
  deadlineAt: number | undefined;
  graceMs: number;
  now: number;
  /**
   * When the pipeline took the step (epoch ms): reading its inputs, checking and rendering it
   * (10,000 secrets take a while to prepare) count against its timeout, as they do against the
   * deadline.
   */
  acceptedAt?: number;
}): StepTimeout {
  const { askedSeconds, deadlineAt } = input;
  const requestedSeconds = askedSeconds ?? input.defaultSeconds;
  const setupMs = Math.max(0, input.now - (input.acceptedAt ?? input.now));
  const ownMs = Math.max(0, requestedSeconds * 1000 - setupMs);
  const deadlineMs =
    deadlineAt === undefined ? Infinity : Math.max(0, deadlineAt - input.now - input.graceMs);
  const ms = Math.min(ownMs, deadlineMs);
  const recorded = { requestedSeconds, effectiveSeconds: Math.round(ms / 1000) };
  // Only the deadline is news to the step: its own set-up time is its timeout at work.
  if (deadlineMs >= ownMs) return { ms, recorded };
  // A warning when the step's own timeout could not be honoured, a verbose note when it only
  // had the default (which, at 60 min, every step without a timeout would otherwise print on
  // Lambda).
  const cap = `this step may run at most ${formatMinutesSeconds(recorded.effectiveSeconds)} here (what is left of the worker's time limit)`;
  const notice =
    askedSeconds !== undefined
      ? {
          level: 'warning' as const,
          text: `Timeout: the step asks for ${formatMinutesSeconds(requestedSeconds)}, but ${cap}.`,
        }
      : {
          level: 'verbose' as const,
          text: `Timeout: ${cap}; the default is ${formatMinutesSeconds(requestedSeconds)}.`,
        };
  return { ms, recorded, notice };
}

/** "14 min 50 s", "45 s", "2 min": how long a step may run, as its log says it. */
export function formatMinutesSeconds(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m === 0) return `${s} s`;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}
