import { decideStatus, type StatusInput } from '../../../src/collect/status';

const base: StatusInput = {
  exitCode: 0,
  signal: null,
  timedOut: false,
  failOnErrorOutput: false,
  sawErrorOutput: false,
};

describe('decideStatus', () => {
  it('succeeds exactly when the final exit code is 0', () => {
    expect(decideStatus(base)).toEqual({ status: 'succeeded', exitCode: 0 });
    expect(decideStatus({ ...base, exitCode: 3 })).toEqual({ status: 'failed', exitCode: 3 });
  });

  it('ignores stderr unless FailScriptOnErrorOutput is set, then turns 0 into -1', () => {
    expect(decideStatus({ ...base, sawErrorOutput: true }).status).toBe('succeeded');
    expect(decideStatus({ ...base, sawErrorOutput: true, failOnErrorOutput: true })).toEqual({
      status: 'failed',
      exitCode: -1,
    });
    expect(
      decideStatus({ ...base, exitCode: 2, sawErrorOutput: true, failOnErrorOutput: true }).exitCode
    ).toBe(2);
  });

  it('reports a timeout or cancellation before anything else', () => {
    expect(
      decideStatus({ ...base, exitCode: null, signal: 'SIGTERM', timedOut: true })
    ).toMatchObject({
      status: 'timed-out',
      exitCode: null,
      error: { code: 'timed-out' },
    });
    expect(decideStatus({ ...base, exitCode: null, cancelled: true })).toMatchObject({
      status: 'cancelled',
    });
  });

  it('fails a script killed by a signal, naming the signal', () => {
    const decision = decideStatus({ ...base, exitCode: null, signal: 'SIGKILL' });
    expect(decision.status).toBe('failed');
    expect(decision.error?.message).toContain('SIGKILL');
  });
});
