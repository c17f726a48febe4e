import { loggedMetrics, logLevelFrom, readableLog } from '../../../src/compose/readable-log';

const at = () => new Date('2026-01-01T12:34:56.789Z');

describe('Function: readableLog', () => {
  it('writes one line per event: time, level, the step’s address, message, fields', () => {
    const lines: string[] = [];
    const log = readableLog((t) => lines.push(t), { level: 'info', now: at });
    log('warn', 'record will be retried in 5 s', {
      deploymentId: 'd',
      stepId: 's',
      reason: 'Failed to read x',
      receiveCount: 2,
      skipped: undefined,
    });
    log('info', 'interpreter versions', { paths: { bash: '/bin/bash' } });
    expect(lines).toEqual([
      '12:34:56.789 warn  d/s record will be retried in 5 s  reason="Failed to read x" receiveCount=2\n',
      '12:34:56.789 info  interpreter versions  paths={"bash":"/bin/bash"}\n',
    ]);
  });

  it('leaves out what is below its level, and everything when silent', () => {
    const lines: string[] = [];
    readableLog((t) => lines.push(t), { level: 'warn', now: at })('info', 'quiet');
    readableLog((t) => lines.push(t), { level: undefined, now: at })('error', 'silent');
    expect(lines).toEqual([]);
  });

  it('writes JSON lines with --json-logs', () => {
    const lines: string[] = [];
    readableLog((t) => lines.push(t), { level: 'debug', json: true, now: at })(
      'info',
      'step succeeded',
      {
        stepId: 's',
      }
    );
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        level: 'INFO',
        message: 'step succeeded',
        timestamp: '2026-01-01T12:34:56.789Z',
        stepId: 's',
      },
    ]);
  });

  it('takes the level from the function’s own variables', () => {
    expect(logLevelFrom({})).toBe('info');
    expect(logLevelFrom({ POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFrom({ AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe(
      'warn'
    );
    expect(logLevelFrom({ POWERTOOLS_LOG_LEVEL: 'silent' })).toBeUndefined();
  });

  it('shows metrics as debug lines', () => {
    const lines: string[] = [];
    const metrics = loggedMetrics(readableLog((t) => lines.push(t), { level: 'debug', now: at }));
    metrics.count('StepsSucceeded', { Syntax: 'bash' });
    metrics.value('DurationMs', 12);
    expect(lines).toEqual([
      '12:34:56.789 debug metric StepsSucceeded 1  Syntax=bash\n',
      '12:34:56.789 debug metric DurationMs 12 ms\n',
    ]);
  });
});
