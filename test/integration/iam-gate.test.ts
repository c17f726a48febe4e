import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { s3Client, sqsClient, type LocalIdentity } from '../../src/aws/clients';
import { startLocalStack, type LocalStack } from '../../src/local/stack';
import { startTestServer, type TestServer } from '../helpers/aws';
import { tempDir, tidepool } from '../helpers/cli';
import { gatedFront } from '../helpers/iam';
import { resolveRolePolicies } from '../helpers/iam/template-policies';

const wave1 = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'fixtures', 'iam', 'wave1-worker-role.json'), 'utf8')
) as { Policies: Array<{ PolicyDocument: unknown }> };

function script(text: string): string {
  const file = path.join(tempDir(), 'step.sh');
  writeFileSync(file, text);
  return file;
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('a step through the local stack, under the IAM gate with the packaged policies', () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('never runs with the wave-1 worker role: the missing result.json answers 403, not 404', async () => {
    const gated = gatedFront();
    const warnings: string[] = [];
    stack = await startLocalStack({
      prewarmPowerShell: false,
      concurrency: 1,
      front: gated.front,
      log: (_level, message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`),
    });
    gated.gate.setPolicies('worker', resolveRolePolicies(wave1.Policies));
    const submitted = await tidepool([
      'submit',
      script('echo ran'),
      '--deployment',
      'iam',
      '--step-id',
      'wave1',
      '--endpoint',
      stack.endpoint,
    ]);
    expect(submitted.code).toBe(0);
    const hidden = () =>
      gated.gate
        .denied()
        .some(
          (d) =>
            d.identity === 'worker' &&
            d.hidMissingKey === true &&
            d.resource.endsWith('/results/iam/wave1/result.json')
        );
    expect(await until(hidden, 10_000)).toBe(true);
    // The worker says why, in its own log.
    expect(
      await until(
        () => warnings.some((w) => /AccessDenied \(HTTP 403\).*s3:ListBucket/.test(w)),
        5000
      )
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    const result = await tidepool(['result', 'iam/wave1', '--endpoint', stack.endpoint]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).not.toContain('succeeded');
  }, 30_000);

  it('runs with the packaged worker role and submitter policy, with no request denied', async () => {
    const gated = gatedFront();
    stack = await startLocalStack({ prewarmPowerShell: false, concurrency: 1, front: gated.front });
    const run = await tidepool([
      'submit',
      script('echo "ran as #{Who}"; set_octopusvariable Out 1'),
      '--var',
      'Who=worker',
      '--var',
      'Token=s3cr3t-token',
      '--sensitive',
      'Token',
      '--deployment',
      'iam',
      '--step-id',
      'packaged',
      '--wait',
      '--endpoint',
      stack.endpoint,
    ]);
    expect(run.stdout).toContain('ran as worker');
    expect(run.code).toBe(0);
    const logs = await tidepool(['logs', 'iam/packaged', '--endpoint', stack.endpoint]);
    expect(logs.stdout).toContain('ran as worker');
    expect(gated.gate.denied()).toEqual([]);
    // What a step asks of AWS, and with which permission (docs/deploy.md lists the same).
    const asked = new Set(
      gated.gate.decisions
        .filter((d) => d.identity !== 'operator')
        .map((d) =>
          [
            d.identity,
            d.action,
            d.resource
              .replace('arn:aws:s3:::tidepool-local/', '')
              .replace(/^arn:aws:sqs:[^:]+:\d+:/, 'queue ')
              .replace(/^arn:aws:kms:.*/, 'StepsKey')
              .replace('/iam/packaged/', '/<d>/<s>/')
              .replace(/live\/\d+\.jsonl$/, 'live/<n>.jsonl'),
          ].join(' ')
        )
    );
    expect([...asked].sort()).toEqual([
      'submitter kms:Decrypt StepsKey',
      'submitter kms:GenerateDataKey StepsKey',
      'submitter s3:GetObject results/<d>/<s>/live/<n>.jsonl',
      'submitter s3:GetObject results/<d>/<s>/log.txt',
      'submitter s3:GetObject results/<d>/<s>/result.json',
      'submitter s3:PutObject inputs/<d>/<s>/script.sh',
      'submitter s3:PutObject inputs/<d>/<s>/variables.json',
      'submitter sqs:GetQueueUrl queue tidepool-steps',
      'submitter sqs:SendMessage queue tidepool-steps',
      'worker kms:Decrypt StepsKey',
      'worker kms:GenerateDataKey StepsKey',
      'worker s3:DeleteObject inputs/<d>/<s>/variables.json',
      'worker s3:GetObject inputs/<d>/<s>/script.sh',
      'worker s3:GetObject inputs/<d>/<s>/variables.json',
      'worker s3:GetObject results/<d>/<s>/cancel.json',
      'worker s3:GetObject results/<d>/<s>/result.json',
      'worker s3:PutObject results/<d>/<s>/claim.json',
      'worker s3:PutObject results/<d>/<s>/live/<n>.jsonl',
      'worker s3:PutObject results/<d>/<s>/log.txt',
      'worker s3:PutObject results/<d>/<s>/result.json',
      'worker sqs:DeleteMessage queue tidepool-steps',
      'worker sqs:ReceiveMessage queue tidepool-steps',
    ]);
  }, 30_000);
});

describe('the packaged policies, request by request under the gate', () => {
  let server: TestServer;
  const clients: Partial<Record<LocalIdentity, S3Client>> = {};
  const s3 = (identity: LocalIdentity) =>
    (clients[identity] ??= s3Client({
      region: server.region,
      endpoint: server.endpoint,
      identity,
    }));
  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => 'allowed',
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
        `${e.name} ${e.$metadata?.httpStatusCode}`
    );

  beforeAll(async () => {
    server = await startTestServer();
  }, 30_000);
  afterAll(async () => {
    await server?.server.stop();
  });

  it('lets the worker see a missing result as missing (404) thanks to s3:ListBucket on results/', async () => {
    const bucket = server.bucket;
    expect(
      await errorOf(
        s3('worker').send(new GetObjectCommand({ Bucket: bucket, Key: 'results/a/b/result.json' }))
      )
    ).toBe('NoSuchKey 404');
    expect(
      await errorOf(s3('worker').send(new GetObjectCommand({ Bucket: bucket, Key: 'other/x' })))
    ).toBe('AccessDenied 403');
  });

  it('keeps the worker from writing inputs', async () => {
    expect(
      await errorOf(
        s3('worker').send(
          new PutObjectCommand({ Bucket: server.bucket, Key: 'inputs/a/b/step.sh', Body: 'x' })
        )
      )
    ).toBe('AccessDenied 403');
  });

  it('lets a submitter upload inputs and ask for cancellation, and nothing a worker writes', async () => {
    const bucket = server.bucket;
    const put = (Key: string) =>
      errorOf(s3('submitter').send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}' })));
    expect(await put('inputs/a/b/step.sh')).toBe('allowed');
    expect(await put('results/a/b/cancel.json')).toBe('allowed');
    expect(await put('results/a/b/result.json')).toBe('AccessDenied 403');
    expect(await put('results/a/b/claim.json')).toBe('AccessDenied 403');
    expect(
      await errorOf(
        s3('submitter').send(
          new DeleteObjectCommand({ Bucket: bucket, Key: 'results/a/b/cancel.json' })
        )
      )
    ).toBe('AccessDenied 403');
    expect(
      await errorOf(
        s3('submitter').send(
          new GetObjectCommand({ Bucket: bucket, Key: 'results/a/b/result.json' })
        )
      )
    ).toBe('NoSuchKey 404');
  });

  it('lets a submitter send steps to the queue and no other', async () => {
    const sqs = sqsClient({
      region: server.region,
      endpoint: server.endpoint,
      identity: 'submitter',
    });
    const send = (QueueUrl: string) =>
      errorOf(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{}' })));
    expect(await send(server.queueUrl)).toBe('allowed');
    expect(await send(server.dlqUrl)).toMatch(/^AccessDenied/);
  });

  it('refuses an access key it does not know', async () => {
    const stranger = s3Client({ region: server.region, endpoint: server.endpoint });
    // The operator's key is known; a made-up one is not.
    const { S3Client: Client } = await import('@aws-sdk/client-s3');
    const made = new Client({
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' },
    });
    expect(
      await errorOf(
        stranger.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'results/x' }))
      )
    ).toBe('NoSuchKey 404');
    expect(
      await errorOf(made.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'results/x' })))
    ).toBe('InvalidAccessKeyId 403');
  });
});
