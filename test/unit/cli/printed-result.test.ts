import { LogPrinter, printedResult } from '../../../src/cli/log-printer';
import type { StepResult } from '../../../src/step/result';

const result: StepResult = {
  schemaVersion: 1,
  deploymentId: 'd',
  stepId: 's',
  status: 'succeeded',
  exitCode: 0,
  outputVariables: {
    Token: { value: 'abcd-9999', sensitive: true },
    Colour: { value: 'blue', sensitive: false },
  },
  artifacts: [],
  log: [],
  progress: [],
  timings: { queuedAt: '', startedAt: null, finishedAt: '', durationMs: 0 },
};

function summary(showSensitive?: boolean): string {
  let out = '';
  new LogPrinter({
    out: (t) => void (out += t),
    err: () => {},
    readStdin: async () => '',
    isTty: false,
  }).summary(result, showSensitive);
  return out;
}

describe('what the CLI prints of a result', () => {
  it('masks sensitive output variables, and only those, by default', () => {
    expect(printedResult(result, false).outputVariables).toEqual({
      Token: { value: '********', sensitive: true },
      Colour: { value: 'blue', sensitive: false },
    });
    expect(summary()).toContain('Token = ********');
    expect(summary()).toContain('Colour = blue');
    expect(summary()).not.toContain('abcd-9999');
  });

  it('shows them with --show-sensitive, marked as sensitive', () => {
    expect(printedResult(result, true).outputVariables.Token?.value).toBe('abcd-9999');
    expect(summary(true)).toContain('Token = abcd-9999 (sensitive)');
  });

  it('leaves the stored result as it was', () => {
    printedResult(result, false);
    expect(result.outputVariables.Token?.value).toBe('abcd-9999');
  });
});
