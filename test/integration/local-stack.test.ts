import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startLocalStack, type LocalStack } from '../../src/local/stack';
import { tempDir, tidepool } from '../helpers/cli';

let stack: LocalStack;
let endpoint: string[];

beforeAll(async () => {
  stack = await startLocalStack({
    prewarmPowerShell: false,
    concurrency: 2,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 2,
  });
  endpoint = ['--endpoint', stack.endpoint];
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
});
