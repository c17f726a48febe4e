import { afterClaimSeconds, backoffSeconds, receiveCountOf } from '../../../src/worker/backoff';
import { formatMinutesSeconds } from '../../../src/pipeline/timeout';

const policy = { baseSeconds: 5, maxSeconds: 900 };
const middle = () => 0.5; // no jitter
const lowest = () => 0;
const highest = () => 0.999999;

describe('backoffSeconds', () => {
  it('doubles from the base with each receive', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffSeconds(n, policy, middle))).toEqual([
      5, 10, 20, 40, 80, 160,
    ]);
  });

  it('spreads retries by ±20 % so that failures at the same moment do not return together', () => {
    expect(backoffSeconds(3, policy, lowest)).toBe(16);
    expect(backoffSeconds(3, policy, highest)).toBe(24);
    const seen = new Set(
      Array.from({ length: 200 }, () => backoffSeconds(4, policy)) // Math.random
    );
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(32);
    expect(Math.max(...seen)).toBeLessThanOrEqual(48);
    expect(seen.size).toBeGreaterThan(5);
  });

  it('never exceeds the cap, even with jitter or after many receives', () => {
    expect(backoffSeconds(9, policy, highest)).toBe(900);
    expect(backoffSeconds(10_000, policy, highest)).toBe(900);
    expect(backoffSeconds(50, { baseSeconds: 900, maxSeconds: 99_999 }, middle)).toBe(43200);
  });

  it('takes a missing or odd receive count as the first delivery, and waits at least 1 s', () => {
    expect(backoffSeconds(Number.NaN, policy, middle)).toBe(5);
    expect(backoffSeconds(0, policy, middle)).toBe(5);
    expect(backoffSeconds(1, { baseSeconds: 1, maxSeconds: 1 }, lowest)).toBe(1);
    expect(receiveCountOf({ ApproximateReceiveCount: '4' })).toBe(4);
    expect(receiveCountOf({ ApproximateReceiveCount: 'x' })).toBe(1);
    expect(receiveCountOf(undefined)).toBe(1);
  });
});

describe('afterClaimSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');

  it('brings a delivery back just after the claim that holds its step expires', () => {
    expect(afterClaimSeconds('2026-01-01T00:00:08.000Z', now)).toBe(9);
    expect(afterClaimSeconds('2026-01-01T00:00:08.200Z', now)).toBe(10);
    expect(afterClaimSeconds('2026-01-01T00:16:00.000Z', now)).toBe(961);
  });

  it('retries soon when the claim has already expired, and never beyond what SQS accepts', () => {
    expect(afterClaimSeconds('2025-12-31T23:00:00.000Z', now)).toBe(1);
    expect(afterClaimSeconds('2026-03-01T00:00:00.000Z', now)).toBe(43200);
    expect(afterClaimSeconds('not a date', now)).toBeUndefined();
  });
});

describe('formatMinutesSeconds', () => {
  it('says how long a step may run as minutes and seconds', () => {
    expect(formatMinutesSeconds(890)).toBe('14 min 50 s');
    expect(formatMinutesSeconds(3600)).toBe('60 min');
    expect(formatMinutesSeconds(45.9)).toBe('45 s');
    expect(formatMinutesSeconds(0)).toBe('0 s');
  });
});
