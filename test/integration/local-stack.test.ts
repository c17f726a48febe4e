import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { s3Client } from '../../src/aws/clients';
import {
  cancelKey,
  INPUTS_PREFIX,
  RESULTS_PREFIX,
  scriptInputKey,
  stepFolder,
} from '../../src/bucket/layout';
import { serveCommand } from '../../src/cli/commands/serve';
import type { CliIo } from '../../src/cli/io';
import { stateFile } from '../../src/cli/stack-client';
import { startLocalStack, type LocalStack } from '../../src/local/stack';
import { tempDir, tidepool } from '../helpers/cli';
import { gatedFront } from '../helpers/iam';

let stack: LocalStack;
let endpoint: string[];
const gated = gatedFront();

beforeAll(async () => {
  stack = await startLocalStack({
    prewarmPowerShell: false,
    concurrency: 2,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 2,
    // Every request, the CLI's and the worker's, is held to the packaged template's policies.
    front: gated.front,
  });
  // The queue's URL too, as against AWS (one test has submit find it by name instead).
  endpoint = ['--endpoint', stack.endpoint, '--queue-url', stack.queueUrl];
}, 30000);

afterAll(async () => {
  await stack?.stop();
});

function script(text: string, name = 'step.sh'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

describe('the local stack through the command line', () => {
  it('submit --wait runs a step through the queue and prints its result', async () => {
    const file = script(
      'echo "hello #{Who}"; update_progress 50 half; set_octopusvariable Out done'
    );
    const run = await tidepool([
      'submit',
      file,
      '--var',
      'Who=pool',
      '--deployment',
      'cli',
      '--step-id',
      'wait-1',
      '--wait',
      ...endpoint,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('hello pool');
    expect(run.stdout).toMatch(/50% half/);
    expect(run.stdout).toContain('Out = done');

    const result = await tidepool(['result', 'cli/wait-1', '--json', ...endpoint]);
    expect(JSON.parse(result.stdout).outputVariables.Out.value).toBe('done');
    const logs = await tidepool(['logs', 'cli/wait-1', ...endpoint]);
    expect(logs.stdout).toContain('hello pool');
  });

  it('takes ids with ":" (an event’s timestamp) in submit, result and logs', async () => {
    const run = await tidepool([
      'submit',
      script('echo "scheduled at #{Octopus.Action.Id}"'),
      '--deployment',
      'nightly:2026-12-04',
      '--step-id',
      '2026-12-04T18:24:06Z',
      '--wait',
      ...endpoint,
    ]);
    expect(run.stderr).not.toMatch(/must be|not a step address/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('scheduled at 2026-12-04T18:24:06Z');
    const result = await tidepool([
      'result',
      'nightly:2026-12-04/2026-12-04T18:24:06Z',
      '--json',
      ...endpoint,
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      deploymentId: 'nightly:2026-12-04',
      stepId: '2026-12-04T18:24:06Z',
      status: 'succeeded',
    });
    const logs = await tidepool(['logs', 'nightly:2026-12-04/2026-12-04T18:24:06Z', ...endpoint]);
    expect(logs.stdout).toContain('scheduled at 2026-12-04T18:24:06Z');
  });

  it('refuses to re-use a step id that has a result, sending nothing', async () => {
    await tidepool([
      'submit',
      script('echo first'),
      '--deployment',
      'reuse',
      '--step-id',
      's1',
      '--wait',
      ...endpoint,
    ]);
    const again = await tidepool([
      'submit',
      script('echo second'),
      '--deployment',
      'reuse',
      '--step-id',
      's1',
      '--wait',
      ...endpoint,
    ]);
    expect(again.code).toBe(125);
    expect(again.stderr).toContain('reuse/s1 is taken: it already has a result');
    expect(again.stderr).toContain('--step-id');
    expect(again.stdout).not.toContain('second');
    const result = await tidepool(['result', 'reuse/s1', '--json', ...endpoint]);
    expect(JSON.parse(result.stdout).log.map((l: { text: string }) => l.text)).toContain('first');
  });

  it('refuses a step id whose inputs exist, leaving them as they were and queueing nothing', async () => {
    const s3 = s3Client({ region: stack.region, endpoint: stack.endpoint });
    const key =
      INPUTS_PREFIX + scriptInputKey(stepFolder({ deploymentId: 'reuse', stepId: 's2' }), 'bash');
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: 'echo original' }));
    const run = await tidepool([
      'submit',
      script('echo replaced'),
      '--deployment',
      'reuse',
      '--step-id',
      's2',
      ...endpoint,
    ]);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain(
      `reuse/s2 is taken: it already has inputs (s3://${stack.bucket}/${key})`
    );
    expect(run.stderr).toMatch(/--step-id <id>, or leave --step-id out/);
    const kept = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
    expect(await kept.Body?.transformToString()).toBe('echo original');
    // Had a message been sent, a worker (polling every 250 ms) would have stored a result.
    await new Promise((r) => setTimeout(r, 2000));
    const result = await tidepool(['result', 'reuse/s2', ...endpoint]);
    expect(result.stderr).toContain('no result for reuse/s2');
  });

  it('generates a new, readable id for every submit', async () => {
    const file = script('true', 'deploy-app.sh');
    const ids = await Promise.all(
      [1, 2].map(async () => {
        // --endpoint alone: the queue is found by its name.
        const run = await tidepool(['submit', file, '--json', '--endpoint', stack.endpoint]);
        expect(run.code).toBe(0);
        return (JSON.parse(run.stdout) as { stepId: string }).stepId;
      })
    );
    for (const id of ids)
      expect(id).toMatch(
        /^deploy-app-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      );
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('masks sensitive output variables in the summary and in result --json unless --show-sensitive', async () => {
    const file = script(
      'set_octopusvariable Token abcd-9999 -sensitive; set_octopusvariable Colour blue'
    );
    const run = await tidepool([
      'submit',
      file,
      '--deployment',
      'secrets',
      '--step-id',
      's1',
      '--wait',
      ...endpoint,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Token = ********');
    expect(run.stdout).toContain('Colour = blue');
    expect(run.stdout).not.toContain('abcd-9999');

    const json = await tidepool(['result', 'secrets/s1', '--json', ...endpoint]);
    expect(json.stdout).not.toContain('abcd-9999');
    expect(JSON.parse(json.stdout).outputVariables.Token).toEqual({
      value: '********',
      sensitive: true,
    });
    const human = await tidepool(['result', 'secrets/s1', ...endpoint]);
    expect(human.stdout).toContain('Token = ********');
    expect(human.stdout).not.toContain('abcd-9999');

    const shown = await tidepool([
      'result',
      'secrets/s1',
      '--json',
      '--show-sensitive',
      ...endpoint,
    ]);
    expect(JSON.parse(shown.stdout).outputVariables.Token).toEqual({
      value: 'abcd-9999',
      sensitive: true,
    });
    const shownHuman = await tidepool(['result', 'secrets/s1', '--show-sensitive', ...endpoint]);
    expect(shownHuman.stdout).toContain('Token = abcd-9999 (sensitive)');
    const waited = await tidepool([
      'submit',
      file,
      '--deployment',
      'secrets',
      '--wait',
      '--json',
      '--show-sensitive',
      ...endpoint,
    ]);
    expect(JSON.parse(waited.stdout).outputVariables.Token.value).toBe('abcd-9999');
  });

  it('submit --wait --json prints one result document and exits with the script’s code', async () => {
    const run = await tidepool([
      'submit',
      script('exit 9'),
      '--deployment',
      'cli',
      '--wait',
      '--json',
      ...endpoint,
    ]);
    expect(run.code).toBe(9);
    expect(JSON.parse(run.stdout).exitCode).toBe(9);
  });

  it('logs --follow tails a running step, and cancel stops it', async () => {
    const file = script(
      'for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 0.3; done; sleep 30'
    );
    const submitted = await tidepool([
      'submit',
      file,
      '--deployment',
      'cli',
      '--step-id',
      'long-1',
      ...endpoint,
    ]);
    expect(submitted.stdout).toContain('Submitted cli/long-1');
    const following = tidepool(['logs', 'cli/long-1', '--follow', ...endpoint]);
    await new Promise((r) => setTimeout(r, 2500));
    const cancel = await tidepool(['cancel', 'cli/long-1', ...endpoint]);
    expect(cancel.code).toBe(0);
    const followed = await following;
    expect(followed.stdout).toContain('tick 3');
    const result = await tidepool(['result', 'cli/long-1', '--json', ...endpoint]);
    expect(JSON.parse(result.stdout).status).toBe('cancelled');
    expect(result.code).toBe(130);
  }, 30000);

  it('passes output variables on to a later step named with --after', async () => {
    await tidepool([
      'submit',
      script('set_octopusvariable Tag v1.2'),
      '--deployment',
      'chain',
      '--step-id',
      'build',
      '--step-name',
      'Build',
      '--wait',
      ...endpoint,
    ]);
    const run = await tidepool([
      'submit',
      script('echo "deploying #{Octopus.Action[Build].Output.Tag}"'),
      '--deployment',
      'chain',
      '--after',
      'build',
      '--wait',
      ...endpoint,
    ]);
    expect(run.stdout).toContain('deploying v1.2');
  });

  it('moves a message it cannot address to the dead-letter queue after maxReceiveCount receives', async () => {
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const { sqsClient } = await import('../../src/aws/clients');
    const sqs = sqsClient({ region: stack.region, endpoint: stack.endpoint });
    await sqs.send(
      new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: 'not json at all' })
    );
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.dlqUrl,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 10,
        })
      );
      found = (out.Messages ?? []).some((m) => m.Body === 'not json at all');
    }
    expect(found).toBe(true);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      })
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('0');
  }, 60000);

  it('lets a submitted step tighten the worker’s integrity policy, refusing an unsigned script', async () => {
    const run = await tidepool([
      'submit',
      script('echo must-not-run'),
      '--policy',
      'AllSigned',
      '--wait',
      '--json',
      ...endpoint,
    ]);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe('rejected');
    expect(result.error.code).toBe('integrity');
    expect(JSON.stringify(result.log)).not.toContain('must-not-run');
    expect(run.code).toBe(126);
  });

  it('logs --follow of an unknown step ends after its bound, saying so', async () => {
    const saved = process.env.TIDEPOOL_FOLLOW_UNKNOWN_SECONDS;
    process.env.TIDEPOOL_FOLLOW_UNKNOWN_SECONDS = '1';
    try {
      const started = Date.now();
      const run = await tidepool(['logs', 'nowhere/none', '--follow', ...endpoint]);
      expect(run.code).toBe(125);
      expect(run.stderr).toContain('no step nowhere/none after 1 s: no log and no result');
      expect(Date.now() - started).toBeLessThan(10000);
    } finally {
      if (saved === undefined) delete process.env.TIDEPOOL_FOLLOW_UNKNOWN_SECONDS;
      else process.env.TIDEPOOL_FOLLOW_UNKNOWN_SECONDS = saved;
    }
  });

  it('cancel says so for an unknown step (non-zero, nothing written) and a finished one', async () => {
    // As `tidepool serve` answers (no IAM in front): the packaged submitter policy cannot read
    // inputs, so through the gate a queued step and an unknown one look alike.
    const unknown = await tidepool(['cancel', 'nowhere/none', '--endpoint', stack.server.endpoint]);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toContain('no step nowhere/none');
    const s3 = s3Client({ region: stack.region, endpoint: stack.endpoint });
    const cancelObject = s3.send(
      new GetObjectCommand({
        Bucket: stack.bucket,
        Key: `${RESULTS_PREFIX}${cancelKey(stepFolder({ deploymentId: 'nowhere', stepId: 'none' }))}`,
      })
    );
    await expect(cancelObject).rejects.toThrow();
    const finished = await tidepool(['cancel', 'cli/wait-1', ...endpoint]);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(
      'cli/wait-1 has already finished (succeeded): nothing to cancel'
    );
  });

  it('says clearly when no stack can be found', async () => {
    const run = await tidepool([
      'result',
      'x/y',
      '--endpoint',
      'http://127.0.0.1:9',
      '--region',
      'us-east-1',
    ]);
    expect(run.code).toBe(125);
    expect(run.stderr).toMatch(/tidepool result: /);
  });

  it('was held to the packaged policies, which denied the CLI and the worker nothing', () => {
    // Runs last: the tests of this file run in order, all through the same gate.
    const submitter = gated.gate.decisions.filter((d) => d.identity === 'submitter');
    expect(new Set(submitter.map((d) => d.action))).toEqual(
      new Set([
        's3:GetObject',
        's3:PutObject',
        'kms:GenerateDataKey',
        'kms:Decrypt',
        'sqs:SendMessage',
        'sqs:GetQueueUrl',
      ])
    );
    // logs --follow and cancel look for a step's script among the inputs to tell a queued step
    // from an unknown one; the packaged policy does not let the submitter read them, as meant.
    const inputsLookup = (d: { identity: string; operation: string; resource: string }) =>
      d.identity === 'submitter' &&
      d.operation === 'HeadObject' &&
      d.resource.startsWith(`arn:aws:s3:::${stack.bucket}/${INPUTS_PREFIX}`);
    expect(gated.gate.denied().filter((d) => !inputsLookup(d))).toEqual([]);
  });
});

describe('tidepool serve', () => {
  it('configures its worker from the environment as the function is: TIDEPOOL_INTEGRITY_POLICY=AllSigned refuses an unsigned script', async () => {
    const cwd = process.cwd();
    const saved = process.env.TIDEPOOL_INTEGRITY_POLICY;
    let stderr = '';
    const io: CliIo = {
      out: () => undefined,
      err: (t) => void (stderr += t),
      readStdin: async () => '',
      isTty: false,
    };
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    // serve keeps its state in the state directory: a test's own, not the user's.
    const dir = tempDir();
    process.chdir(dir);
    const savedState = process.env.TIDEPOOL_STATE_DIR;
    process.env.TIDEPOOL_STATE_DIR = dir;
    const STATE_FILE = stateFile();
    process.env.TIDEPOOL_INTEGRITY_POLICY = 'AllSigned';
    try {
      const serving = serveCommand(['--concurrency', '1'], io, stopped);
      for (let i = 0; i < 200 && !existsSync(STATE_FILE); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { endpoint: string };
      const run = await tidepool([
        'submit',
        script('echo must-not-run'),
        '--step-id',
        'unsigned-1',
        '--wait',
        '--json',
        '--endpoint',
        state.endpoint,
      ]);
      const result = JSON.parse(run.stdout);
      expect(result.status).toBe('rejected');
      expect(result.error.code).toBe('integrity');
      expect(result.error.message).toContain('AllSigned');
      expect(JSON.stringify(result.log)).not.toContain('must-not-run');
      expect(run.code).toBe(126);
      // The worker's own log, on stderr, for a person to read.
      expect(stderr).toMatch(/ info {2}local\/unsigned-1 step rejected .*errorCode=integrity/);
      stop();
      expect(await serving).toBe(0);
      expect(existsSync(STATE_FILE)).toBe(false);
    } finally {
      stop();
      process.chdir(cwd);
      if (savedState === undefined) delete process.env.TIDEPOOL_STATE_DIR;
      else process.env.TIDEPOOL_STATE_DIR = savedState;
      if (saved === undefined) delete process.env.TIDEPOOL_INTEGRITY_POLICY;
      else process.env.TIDEPOOL_INTEGRITY_POLICY = saved;
    }
  }, 60000);
});
