// When a delivery that failed comes back. Pure: the worker applies the result with
// ChangeMessageVisibility, so a retry waits seconds, not the queue's visibility timeout (which
// must be long enough for a whole step and is 5400 s on AWS).

/** SQS refuses a visibility timeout above 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43200;

export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
  /** ± this fraction of the delay, so that failures at the same moment do not return together. */
  jitter?: number;
}

/**
 * base × 2^(receiveCount − 1), ± jitter, capped at max; whole seconds (SQS takes no fractions),
 * at least 1. `random` is in [0, 1).
 */
export function backoffSeconds(
  receiveCount: number,
  policy: BackoffPolicy,
  random: () => number = Math.random
): number {
  const attempt = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  // 2^30 s is far past any cap: no need to compute larger powers (or Infinity).
  const exponential = policy.baseSeconds * 2 ** Math.min(attempt - 1, 30);
  const jitter = policy.jitter ?? 0.2;
  const jittered = exponential * (1 + jitter * (2 * random() - 1));
  const capped = Math.min(policy.maxSeconds, MAX_VISIBILITY_SECONDS, jittered);
  return Math.max(1, Math.round(capped));
}

/**
 * For a step held by another worker's claim: back just after the claim expires (+1 s for clocks
 * and rounding), when this delivery may take it over if that worker has died, or find its result.
 */
export function afterClaimSeconds(expiresAt: string, now: number): number | undefined {
  const expires = Date.parse(expiresAt);
  if (!Number.isFinite(expires)) return undefined;
  const seconds = Math.ceil((expires - now) / 1000) + 1;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, seconds));
}

/** The record's `ApproximateReceiveCount`: 1 on the first delivery. */
export function receiveCountOf(attributes: { ApproximateReceiveCount?: string } | undefined) {
  const n = Number(attributes?.ApproximateReceiveCount);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}
