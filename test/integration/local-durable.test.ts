import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { sqsClient } from '../../src/aws/clients';
import { serveCommand } from '../../src/cli/commands/serve';
import type { CliIo } from '../../src/cli/io';
import { stateFile } from '../../src/cli/stack-client';
import { startLocalStack, type LocalStack } from '../../src/local/stack';
import { tempDir, tidepool } from '../helpers/cli';
import { gatedFront } from '../helpers/iam';

const ROOT = path.join(__dirname, '..', '..');

function script(text: string, name = 'step.sh'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function queueEmpty(stack: { endpoint: string; region: string; queueUrl: string }) {
  const sqs = sqsClient({ region: stack.region, endpoint: stack.endpoint });
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    })
  );
  return (
    out.Attributes?.ApproximateNumberOfMessages === '0' &&
    out.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
  );
}

describe('the local stack, in memory', () => {
  let stack: LocalStack;
  const gated = gatedFront();
  let endpoint: string[];

  beforeAll(async () => {
    stack = await startLocalStack({
      prewarmPowerShell: false,
      concurrency: 2,
      // The second delivery waits out the first one's claim: seconds, not a minute.
      workerEnv: { TIDEPOOL_CLAIM_TTL_SECONDS: '5' },
      front: gated.front,
    });
    endpoint = ['--endpoint', stack.endpoint, '--queue-url', stack.queueUrl];
  }, 30000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a step delivered twice at once (one copy to each poller) once', async () => {
    const dir = tempDir();
    const runs = path.join(dir, 'runs.txt');
    // Submit to a queue no worker reads, to have the message itself; then deliver it twice.
    // (Past the gate: the packaged policies allow only the steps' queue.)
    const sqs = sqsClient({ region: stack.region, endpoint: stack.server.endpoint });
    const capture = await sqs.send(new CreateQueueCommand({ QueueName: 'capture' }));
    const submitted = await tidepool([
      'submit',
      script(`echo run >> '${runs}'; sleep 2`),
      '--deployment',
      'twice',
      '--step-id',
      's1',
      '--endpoint',
      stack.server.endpoint,
      '--queue-url',
      capture.QueueUrl ?? '',
    ]);
    expect(submitted.code).toBe(0);
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: capture.QueueUrl, WaitTimeSeconds: 2 })
    );
    const body = got.Messages?.[0]?.Body ?? '';
    expect(body).toContain('"stepId":"s1"');
    await Promise.all(
      [1, 2].map(() =>
        sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: body }))
      )
    );
    const waited = await tidepool(['logs', 'twice/s1', '--follow', ...endpoint]);
    expect(waited.code).toBe(0);
    // The second copy comes back after the claim's wait and finds the result.
    await until('the queue to empty', () => queueEmpty(stack), 60000);
    expect(lines(runs)).toEqual(['run']);
  }, 90000);

  it('stores a log and an artifact larger than 11 MiB, running the step once', async () => {
    const dir = tempDir();
    const runs = path.join(dir, 'runs.txt');
    const run = await tidepool([
      'submit',
      script(
        `echo run >> '${runs}'\n` +
          `head -c 12582912 /dev/urandom > big.bin\n` +
          `new_octopusartifact big.bin\n` +
          // About 12 MiB of log: 12,288 lines of 1 KiB.
          `line=$(head -c 1023 /dev/zero | tr '\\0' x); for i in $(seq 12288); do echo "$line"; done\n`
      ),
      '--deployment',
      'big',
      '--step-id',
      's1',
      '--wait',
      '--json',
      ...endpoint,
    ]);
    const result = JSON.parse(run.stdout) as {
      status: string;
      artifacts: Array<{ name: string; size?: number; sizeBytes?: number }>;
    };
    expect(result.status).toBe('succeeded');
    expect(JSON.stringify(result.artifacts)).toContain('big.bin');
    expect(lines(runs)).toEqual(['run']);
    // Only logs --follow's look for inputs it may not read (the packaged submitter policy).
    expect(gated.gate.denied().filter((d) => d.operation !== 'HeadObject')).toEqual([]);
  }, 60000);
});

/** A stack in a process of its own (as serve runs), keeping its data in `dataDir`. */
async function stackProcess(
  dataDir: string
): Promise<{ child: ChildProcess; endpoint: string; queueUrl: string; region: string }> {
  const code = `
    const { startLocalStack } = require(${JSON.stringify(path.join(ROOT, 'src/local/stack'))});
    const { gatedFront } = require(${JSON.stringify(path.join(ROOT, 'test/helpers/iam'))});
    startLocalStack({ dataDir: ${JSON.stringify(dataDir)}, concurrency: 1, prewarmPowerShell: false,
      front: gatedFront().front }).then((s) => {
      process.stdout.write(JSON.stringify({ endpoint: s.endpoint, queueUrl: s.queueUrl, region: s.region }) + '\\n');
    });`;
  // One process (not the tsx CLI, which runs the code in a child): the one killed is the stack.
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (c) => reject(new Error(`stack process exited with ${String(c)}`)));
  });
  return { child, ...(JSON.parse(line) as { endpoint: string; queueUrl: string; region: string }) };
}

describe('the local stack, kept on disk', () => {
  it('after kill -9 keeps its results, kills the running script, and runs the queued steps once', async () => {
    const dataDir = tempDir();
    const work = tempDir();
    const first = await stackProcess(dataDir);
    const at = (s: { endpoint: string; queueUrl: string }) => [
      '--endpoint',
      s.endpoint,
      '--queue-url',
      s.queueUrl,
    ];
    const done = await tidepool([
      'submit',
      script(`echo "before the crash"`),
      '--deployment',
      'durable',
      '--step-id',
      'done',
      '--wait',
      ...at(first),
    ]);
    expect(done.code).toBe(0);
    // One step running when serve dies (concurrency 1), N queued behind it.
    const pidFile = path.join(work, 'long.pid');
    const long = script(
      `echo run >> '${work}/long.runs'\n` +
        `if [ -f '${pidFile}' ]; then exit 0; fi\n` +
        `(sleep 600; echo orphan >> '${work}/orphan') & echo $! > '${pidFile}'\nwait`
    );
    expect(
      (
        await tidepool([
          'submit',
          long,
          '--deployment',
          'durable',
          '--step-id',
          'long',
          ...at(first),
        ])
      ).code
    ).toBe(0);
    await until('the long step to start', () => existsSync(pidFile));
    const QUEUED = 5;
    for (let i = 1; i <= QUEUED; i++) {
      const queued = script(`echo q${i} >> '${work}/queued.runs'`);
      const sent = await tidepool([
        'submit',
        queued,
        '--deployment',
        'durable',
        '--step-id',
        `q${i}`,
        ...at(first),
      ]);
      expect(sent.code).toBe(0);
    }
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(orphan)).toBe(true);
    first.child.kill('SIGKILL');
    await until('the step’s processes to die with serve', () => !alive(orphan), 10000);

    const second = await stackProcess(dataDir);
    try {
      const kept = await tidepool(['result', 'durable/done', '--json', ...at(second)]);
      expect(JSON.parse(kept.stdout).status).toBe('succeeded');
      for (let i = 1; i <= QUEUED; i++) {
        const r = await tidepool(['logs', `durable/q${i}`, '--follow', ...at(second)]);
        expect(r.code).toBe(0);
      }
      const again = await tidepool(['logs', 'durable/long', '--follow', ...at(second)]);
      expect(again.code).toBe(0);
      await until('the queue to empty', () => queueEmpty(second), 30000);
      expect(lines(path.join(work, 'queued.runs')).sort()).toEqual(
        Array.from({ length: QUEUED }, (_, i) => `q${i + 1}`)
      );
      // The step killed mid-run runs again (at least once), to the end this time.
      expect(lines(path.join(work, 'long.runs'))).toEqual(['run', 'run']);
      expect(existsSync(path.join(work, 'orphan'))).toBe(false);
    } finally {
      second.child.kill('SIGTERM');
    }
  }, 120000);
});

describe('tidepool serve, one per state directory', () => {
  it('refuses a second serve naming the first, and stops non-zero when its server dies', async () => {
    const saved = process.env.TIDEPOOL_STATE_DIR;
    process.env.TIDEPOOL_STATE_DIR = tempDir();
    const capture = () => {
      const seen = { out: '', err: '' };
      const io: CliIo = {
        out: (t) => void (seen.out += t),
        err: (t) => void (seen.err += t),
        readStdin: async () => '',
        isTty: false,
      };
      return { seen, io };
    };
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const first = capture();
    try {
      const serving = serveCommand(['--concurrency', '1'], first.io, stopped);
      await until('the state file', () => existsSync(stateFile()));
      const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as {
        endpoint: string;
        serverPid: number;
      };
      const second = capture();
      expect(await serveCommand([], second.io, Promise.resolve())).toBe(125);
      expect(second.seen.err).toContain(
        `already running (pid ${process.pid} on ${state.endpoint})`
      );
      // The first one's state is untouched.
      expect(JSON.parse(readFileSync(stateFile(), 'utf8'))).toEqual(state);

      process.kill(state.serverPid, 'SIGKILL');
      expect(await serving).toBe(125);
      expect(first.seen.err).toMatch(
        /embedded S3\/SQS server \(pid \d+\) stopped \(signal SIGKILL\)/
      );
      expect(existsSync(stateFile())).toBe(false);
    } finally {
      stop();
      if (saved === undefined) delete process.env.TIDEPOOL_STATE_DIR;
      else process.env.TIDEPOOL_STATE_DIR = saved;
    }
  }, 60000);
});
