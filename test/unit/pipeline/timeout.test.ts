import { formatMinutesSeconds, stepTimeout } from '../../../src/pipeline/timeout';

const base = { defaultSeconds: 3600, graceMs: 5000, now: 1_000_000 };

describe('stepTimeout', () => {
  it('is the step’s own timeout, or the default, when no deadline is nearer', () => {
    expect(stepTimeout({ ...base, askedSeconds: 60, deadlineAt: undefined })).toStrictEqual({
      ms: 60_000,
      recorded: { requestedSeconds: 60, effectiveSeconds: 60 },
    });
    expect(stepTimeout({ ...base, askedSeconds: undefined, deadlineAt: undefined }).ms).toBe(
      3_600_000
    );
  });

  it('is capped by the deadline less the grace period, and a capped step is told', () => {
    const t = stepTimeout({ ...base, askedSeconds: 3600, deadlineAt: base.now + 900_000 });
    expect(t.ms).toBe(895_000);
    expect(t.recorded).toStrictEqual({ requestedSeconds: 3600, effectiveSeconds: 895 });
    expect(t.notice).toStrictEqual({
      level: 'warning',
      text: "Timeout: the step asks for 60 min, but this step may run at most 14 min 55 s here (what is left of the worker's time limit).",
    });
  });

  it('notes a capped default at verbose level only', () => {
    const t = stepTimeout({ ...base, askedSeconds: undefined, deadlineAt: base.now + 65_000 });
    expect(t.notice).toStrictEqual({
      level: 'verbose',
      text: "Timeout: this step may run at most 1 min here (what is left of the worker's time limit); the default is 60 min.",
    });
  });

  it('counts the set-up before the script against the step’s own timeout, without a notice', () => {
    const t = stepTimeout({
      ...base,
      askedSeconds: 60,
      deadlineAt: undefined,
      acceptedAt: base.now - 4_000,
    });
    expect(t.ms).toBe(56_000);
    expect(t.recorded).toStrictEqual({ requestedSeconds: 60, effectiveSeconds: 56 });
    expect(t.notice).toBeUndefined();
    const capped = stepTimeout({
      ...base,
      askedSeconds: 60,
      deadlineAt: base.now + 30_000,
      acceptedAt: base.now - 4_000,
    });
    expect(capped.ms).toBe(25_000);
    expect(capped.notice?.level).toBe('warning');
  });

  it('is never negative when the deadline has passed', () => {
    const t = stepTimeout({ ...base, askedSeconds: 10, deadlineAt: base.now - 1 });
    expect(t.ms).toBe(0);
    expect(t.recorded.effectiveSeconds).toBe(0);
  });
});

describe('formatMinutesSeconds', () => {
  it.each([
    [890, '14 min 50 s'],
    [120, '2 min'],
    [45.9, '45 s'],
    [-3, '0 s'],
  ])('%p s is %p', (seconds, text) => {
    expect(formatMinutesSeconds(seconds)).toBe(text);
  });
});
