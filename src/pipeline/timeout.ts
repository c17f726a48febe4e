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
}): StepTimeout {
  const { askedSeconds, deadlineAt } = input;
  const requestedSeconds = askedSeconds ?? input.defaultSeconds;
  let ms = requestedSeconds * 1000;
  if (deadlineAt !== undefined)
    ms = Math.max(0, Math.min(ms, deadlineAt - input.now - input.graceMs));
  const recorded = { requestedSeconds, effectiveSeconds: Math.floor(ms / 1000) };
  if (ms >= requestedSeconds * 1000) return { ms, recorded };
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
