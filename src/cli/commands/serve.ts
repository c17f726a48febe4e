import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loggedMetrics, logLevelFrom, readableLog } from '../../compose/readable-log';
import { startLocalStack } from '../../local/stack';
import { removeLiveStepDirsSync } from '../../run/local-host';
import { killAllGroups } from '../../run/script-process';
import { usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { pidAlive, readStateFile, STATE_FILE_HELP, stateDir, stateFile } from '../stack-client';

export const SERVE_HELP = `Usage: tidepool serve [--port N] [--concurrency N] [--json-logs]

Runs the whole worker pool on this machine: an S3- and SQS-protocol server on 127.0.0.1
(bucket tidepool-local, queue tidepool-steps with a dead-letter queue), and a worker loop
that plays Lambda's part, running up to --concurrency steps at once (default 2) through the
real handler. Other commands (submit, logs, result, cancel) find it, from any directory,
through ${STATE_FILE_HELP}.
The bucket's objects and the queued steps are kept under that directory (data/): a restart,
even after a crash, finds the inputs, the results and the steps still to run, and kills what
a crashed serve's steps left running. One serve per state directory.
It prints a line per step: received, finished (status, duration), retried (reason), rejected.
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
  const dir = stateDir();
  const file = stateFile();
  mkdirSync(dir, { recursive: true });
  const lock = takeLock(dir);
  if (typeof lock === 'string') {
    io.err(`tidepool serve: ${lock}\n`);
    return EXIT.toolError;
  }
  try {
    return await serveLocked(
      { concurrency, port, json: values['json-logs'] === true },
      dir,
      file,
      io,
      until
    );
  } finally {
    lock.release();
  }
}

/**
 * One serve per state directory: a second one would take the first one's data and state
 * file over. The lock names its holder; one left by a serve that died is taken over.
 */
function takeLock(dir: string): { release(): void } | string {
  const lockFile = path.join(dir, 'serve.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return { release: () => rmSync(lockFile, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) {
      const running = readStateFile(path.join(dir, 'local-stack.json'));
      const where = running?.pid === holder ? ` on ${running.endpoint}` : '';
      return (
        `a local stack is already running (pid ${holder}${where}) with state in ${dir}; ` +
        `stop it first, or give this one another TIDEPOOL_STATE_DIR`
      );
    }
    rmSync(lockFile, { force: true });
  }
  return `could not take ${lockFile}`;
}

async function serveLocked(
  { concurrency, port, json }: { concurrency: number; port: number; json: boolean },
  dir: string,
  file: string,
  io: CliIo,
  until: Promise<void> | undefined
): Promise<number> {
  const log = readableLog(io.err, {
    level: logLevelFrom(process.env),
    json,
  });
  const stack = await startLocalStack({
    port,
    concurrency,
    env: process.env,
    dataDir: path.join(dir, 'data'),
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
    serverPid: stack.server.child.pid,
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
  io.out(
    [
      `Tidepool local stack listening on ${stack.endpoint}`,
      `  bucket ${stack.bucket}, queue ${stack.queueUrl}`,
      `  ${concurrency} worker(s); state in ${dir}`,
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
        rmSync(file, { force: true });
        rmSync(path.join(dir, 'serve.lock'), { force: true });
        process.exit(130);
      };
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    });
  // Without its server the stack can neither receive a step nor store a result: say so, stop.
  const died = stack.server.exited.then((how) => how);
  const why = await Promise.race([stop.then(() => undefined), died]);
  if (why !== undefined) {
    io.err(
      `tidepool serve: the embedded S3/SQS server (pid ${String(stack.server.child.pid)}) stopped ` +
        `(${why}); no step can be received or stored. Stopping; running steps are killed.\n`
    );
    killAllGroups();
    removeLiveStepDirsSync();
    await stack.stop().catch(() => undefined);
    rmSync(file, { force: true });
    return EXIT.toolError;
  }
  io.out('Stopping: running steps finish first (Ctrl-C again to kill them)...\n');
  await stack.stop();
  rmSync(file, { force: true });
  return EXIT.ok;
}
