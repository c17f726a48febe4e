import type { Log, LogLevel, Metrics } from '../worker/observe';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The level the function's own log level control would set (AWS_LAMBDA_LOG_LEVEL, else
 * POWERTOOLS_LOG_LEVEL), so that the local stack honours the same variables; info by default,
 * undefined for SILENT.
 */
export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel | undefined {
  const raw = (env.AWS_LAMBDA_LOG_LEVEL || env.POWERTOOLS_LOG_LEVEL || 'INFO').toUpperCase();
  if (raw === 'SILENT') return undefined;
  if (raw === 'TRACE' || raw === 'DEBUG') return 'debug';
  if (raw === 'WARN') return 'warn';
  if (raw === 'ERROR' || raw === 'CRITICAL') return 'error';
  return 'info';
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/**
 * The worker's log for a person at a terminal: one line per event, the time, the level, the
 * step's address first, then the other fields as key=value. With `json`, one JSON object per
 * line instead (the fields the Lambda's log lines carry, without the invocation's).
 */
export function readableLog(
  write: (text: string) => void,
  options: { level?: LogLevel | undefined; json?: boolean; now?: () => Date } = {}
): Log {
  const threshold = options.level;
  const now = options.now ?? (() => new Date());
  return (level, message, fields = {}) => {
    if (threshold === undefined || RANK[level] < RANK[threshold]) return;
    const at = now();
    if (options.json) {
      write(
        JSON.stringify({
          level: level.toUpperCase(),
          message,
          timestamp: at.toISOString(),
          ...fields,
        }) + '\n'
      );
      return;
    }
    const { deploymentId, stepId, ...rest } = fields;
    const address = deploymentId !== undefined ? `${String(deploymentId)}/${String(stepId)} ` : '';
    const extra = Object.entries(rest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${value(v)}`)
      .join(' ');
    const time = at.toISOString().slice(11, 23);
    write(`${time} ${level.padEnd(5)} ${address}${message}${extra ? `  ${extra}` : ''}\n`);
  };
}

/** Metrics as debug lines of the log: no CloudWatch here, but visible when asked for. */
export function loggedMetrics(log: Log): Metrics {
  return {
    count: (name, dimensions) => log('debug', `metric ${name} 1`, { ...dimensions }),
    value: (name, ms, dimensions) => log('debug', `metric ${name} ${ms} ms`, { ...dimensions }),
  };
}
