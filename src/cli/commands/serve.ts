import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loggedMetrics, logLevelFrom, readableLog } from '../../compose/readable-log';
import { startLocalStack } from '../../local/stack';
import { removeLiveStepDirsSync } from '../../run/local-host';
import { killAllGroups } from '../../run/script-process';
import { usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { STATE_FILE } from '../stack-client';

export const SERVE_HELP = `Usage: tidepool serve [--port N] [--concurrency N] [--json-logs]

Runs the whole worker pool on this machine: an S3- and SQS-protocol server on 127.0.0.1
(bucket tidepool-local, queue tidepool-steps with a dead-letter queue), and a worker loop
that plays Lambda's part, running up to --concurrency steps at once (default 2) through the
real handler. Other commands (submit, logs, result, cancel) find it through ${STATE_FILE}.
Stop it with Ctrl-C.

The worker is configured from the environment as the function is (docs/deploy.md), e.g.
TIDEPOOL_INTEGRITY_POLICY, TIDEPOOL_TRUST_STORE, TIDEPOOL_ALLOWED_SCRIPT_ROLES, the
retry and timing settings, and POWERTOOLS_LOG_LEVEL; only the bucket, queue, endpoint and
prefixes are the local stack's own. Its log lines go to stderr.

Options:
  --port N          Port to listen on (default: any free port)
  --concurrency N   Steps run at once (default 2)
  --json-logs       The worker's log as one JSON object per line
`;

const OPTIONS = {
  port: { type: 'string' },
  concurrency: { type: 'string' },
  'json-logs': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function whole(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

export async function serveCommand(
  args: string[],
  io: CliIo,
  until?: Promise<void>
): Promise<number> {
  const { values } = usage(() => parseArgs({ args, options: OPTIONS, strict: true }));
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  const port = whole('port', values.port, 0, 0, 65535);
  const concurrency = whole('concurrency', values.concurrency, 2, 1, 64);
  const log = readableLog(io.err, {
    level: logLevelFrom(process.env),
    json: values['json-logs'] === true,
  });
  const stack = await startLocalStack({
    port,
    concurrency,
    env: process.env,
    log,
    metrics: loggedMetrics(log),
  });
  const state = {
    endpoint: stack.endpoint,
    region: stack.region,
    bucket: stack.bucket,
    queueUrl: stack.queueUrl,
    dlqUrl: stack.dlqUrl,
    pid: process.pid,
  };
  mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  io.out(
    [
      `Tidepool local stack listening on ${stack.endpoint}`,
      `  bucket ${stack.bucket}, queue ${stack.queueUrl}`,
      `  ${concurrency} worker(s); state in ${STATE_FILE}`,
      `Submit a step:  bin/tidepool submit examples/hello/step.sh --variables examples/hello/variables.json --wait`,
      `Stop with Ctrl-C.`,
      '',
    ].join('\n')
  );
  // First signal: stop taking steps and let running ones finish; a second: kill them now.
  let signalled = 0;
  const stop =
    until ??
    new Promise<void>((resolve) => {
      const onSignal = () => {
        if (++signalled === 1) return resolve();
        killAllGroups();
        removeLiveStepDirsSync();
        rmSync(STATE_FILE, { force: true });
        process.exit(130);
      };
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    });
  await stop;
  io.out('Stopping: running steps finish first (Ctrl-C again to kill them)...\n');
  await stack.stop();
  rmSync(STATE_FILE, { force: true });
  return EXIT.ok;
}
