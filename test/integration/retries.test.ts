import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from '../../src/aws/clients';
import { claimKey } from '../../src/bucket/layout';
import { toRecord } from '../../src/local/queue-worker';
import { LOCAL_REGION, localWorkerDeps } from '../../src/local/stack';
import { handleBatch } from '../../src/worker/batch';
import { MetricsRecorder } from '../../src/worker/observe';
import type { WorkerDeps } from '../../src/worker/deps';
import type { RecordOutcome } from '../../src/worker/outcome';
import { inBundle, startTestServer, type TestServer } from '../helpers/aws';

// How long failed deliveries take to come back, on the embedded server, whose SQS keeps
// receive counts, visibility and redrive as SQS does. The queue's own visibility timeout is
// long (60 s, 5400 s on AWS): a retry that waited for it would show.
const QUEUE_VISIBILITY_SECONDS = 60;
const MAX_RECEIVE_COUNT = 3;

let server: TestServer;
let sqs: SQSClient;
const workers: WorkerDeps[] = [];
const measured: string[] = [];

beforeAll(async () => {
  server = await startTestServer({
    visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    maxReceiveCount: MAX_RECEIVE_COUNT,
  });
  // Lambda's event source mapping receives and deletes with the function's own role.
  sqs = sqsClient({ region: LOCAL_REGION, endpoint: server.endpoint, identity: 'worker' });
}, 30000);

afterAll(async () => {
  for (const w of workers) w.host.close?.();
  await server?.server.stop();
  if (measured.length > 0) process.stdout.write(`retry delays:\n  ${measured.join('\n  ')}\n`);
});

interface Worker {
  deps: WorkerDeps;
  metrics: MetricsRecorder;
  /** The visibility the worker set on each handed-back delivery, from its log. */
  retryIn: number[];
}

function worker(env: Record<string, string> = {}): Worker {
  const metrics = new MetricsRecorder();
  const retryIn: number[] = [];
  const deps = localWorkerDeps(server, { TIDEPOOL_QUEUE_URL: server.queueUrl, ...env });
  workers.push(deps);
  return {
    metrics,
    retryIn,
    deps: {
      ...deps,
      metrics,
      log: (_level, _message, fields) => {
        if (typeof fields?.retryInSeconds === 'number') retryIn.push(fields.retryInSeconds);
      },
    },
  };
}

interface Delivery {
  messageId: string;
  receiveCount: number;
  receivedAt: number;
  handedBackAt: number;
  outcome: RecordOutcome;
}

const within = (ms: number) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};

/**
 * Plays Lambda's event source mapping: receives one message at a time (short polls 100 ms
 * apart, so arrival times are measured to about that), hands it to the real batch handler,
 * deletes it unless it was reported as failed, until `done` says so.
 */
async function pump(
  w: Worker,
  done: (deliveries: Delivery[]) => boolean | Promise<boolean>,
  options: { limitMs: number; invocationMs?: number }
): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  const end = Date.now() + options.limitMs;
  while (!(await done(deliveries))) {
    if (Date.now() > end) throw new Error(`gave up after ${options.limitMs} ms`);
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: server.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      })
    );
    const message = out.Messages?.[0];
    if (!message) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const receivedAt = Date.now();
    const record = toRecord(message, 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1');
    const response = await handleBatch(
      { Records: [record] },
      w.deps,
      within(options.invocationMs ?? 60000)
    );
    const handedBackAt = Date.now();
    if (response.batchItemFailures.length === 0) {
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: server.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
        })
      );
    }
    deliveries.push({
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      receivedAt,
      handedBackAt,
      outcome: response.outcomes[0] as RecordOutcome,
    });
  }
  return deliveries;
}

let counter = 0;
function step(script: string) {
  counter++;
  return {
    schemaVersion: 1,
    deploymentId: 'retries-test',
    stepId: `r${counter}-${Date.now()}`,
    syntax: 'bash',
    script: { inline: script },
  };
}

/** Setting visibility (and everything else the worker did) passed the role's policy, as on AWS. */
const expectNothingDenied = () => expect(server.gate.denied()).toEqual([]);

const seconds = (ms: number) => (ms / 1000).toFixed(2);

describe('retries come back in seconds, not after the queue’s visibility timeout', () => {
  it('retries a transient S3 failure after about the base delay (5 s)', async () => {
    const w = worker();
    const s = step('echo after-the-outage');
    await server.send(s);
    // S3 answering 503 to more requests than the store's own retries (8 attempts of the SDK's
    // 5) make for the first read.
    await server.fault({ status: 503, count: 40 });
    const deliveries = await pump(w, async (d) => d.some((x) => x.outcome.kind === 'done'), {
      limitMs: 90000,
    });
    await server.fault({ count: 0 });

    expect(deliveries.map((d) => d.outcome.kind)).toEqual(['retry', 'done']);
    expect(deliveries[0]?.outcome).toMatchObject({ category: 'store-error' });
    const [failed, retried] = deliveries as [Delivery, Delivery];
    const back = retried.receivedAt - failed.handedBackAt;
    // 5 s ± 20 %, whole seconds: 4, 5 or 6 s; the receive loop adds up to 0.1 s.
    expect(w.retryIn).toHaveLength(1);
    expect(w.retryIn[0]).toBeGreaterThanOrEqual(4);
    expect(w.retryIn[0]).toBeLessThanOrEqual(6);
    expect(back).toBeGreaterThanOrEqual((w.retryIn[0] as number) * 1000 - 100);
    expect(back).toBeLessThan((w.retryIn[0] as number) * 1000 + 1500);
    expect(back).toBeLessThan(QUEUE_VISIBILITY_SECONDS * 1000);
    expect(retried.receiveCount).toBe(2);
    expect((await server.result('retries-test', s.stepId))?.status).toBe('succeeded');
    expect(w.metrics.total('Retries', { Reason: 'store-error' })).toBe(1);
    expect(w.metrics.total('StepsSucceeded', { Syntax: 'bash' })).toBe(1);
    expectNothingDenied();
    measured.push(
      `transient S3 failure (503): first delivery gave up after ${seconds(failed.handedBackAt - failed.receivedAt)} s of the store's own retries; visibility set to ${w.retryIn[0]} s; back after ${seconds(back)} s (queue visibility timeout ${QUEUE_VISIBILITY_SECONDS} s)`
    );
  }, 120000);

  it('brings a step held by a live claim back just after the claim expires', async () => {
    const w = worker();
    const s = step('echo after-the-claim');
    const expiresAt = Date.now() + 6000;
    await server.put(
      inBundle('retries-test', s.stepId, claimKey),
      JSON.stringify({
        worker: 'another-worker',
        claimedAt: new Date().toISOString(),
        expiresAt: new Date(expiresAt).toISOString(),
      })
    );
    await server.send(s);
    const deliveries = await pump(w, async (d) => d.some((x) => x.outcome.kind === 'done'), {
      limitMs: 30000,
    });

    expect(deliveries.map((d) => d.outcome.kind)).toEqual(['retry', 'done']);
    expect(deliveries[0]?.outcome).toMatchObject({ category: 'claim-held' });
    const retried = deliveries[1] as Delivery;
    const afterExpiry = retried.receivedAt - expiresAt;
    // ceil(seconds to expiry) + 1 s: between 1 and 2 s after it, plus the receive loop's 0.1 s.
    expect(afterExpiry).toBeGreaterThanOrEqual(900);
    expect(afterExpiry).toBeLessThan(2500);
    expect(retried.outcome).toMatchObject({ kind: 'done', ranNow: true });
    expect(w.metrics.total('Retries', { Reason: 'claim-held' })).toBe(1);
    expectNothingDenied();
    measured.push(
      `held claim: visibility set to ${w.retryIn[0]} s; back ${seconds(afterExpiry)} s after the claim expired, and took it over`
    );
  }, 60000);

  it('moves a message that names no step to the dead-letter queue after maxReceiveCount receives, in seconds', async () => {
    const w = worker();
    const sentAt = Date.now();
    await server.send('this is not a step');
    let inDlqAt: number | undefined;
    const deliveries = await pump(
      w,
      async () => {
        const out = await server.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: server.dlqUrl, WaitTimeSeconds: 0 })
        );
        if (out.Messages?.some((m) => m.Body === 'this is not a step')) inDlqAt = Date.now();
        return inDlqAt !== undefined;
      },
      { limitMs: 30000 }
    );

    expect(deliveries.map((d) => d.receiveCount)).toEqual([1, 2, 3]);
    for (const d of deliveries) {
      expect(d.outcome).toMatchObject({ kind: 'retry', category: 'unaddressable' });
    }
    expect(w.retryIn).toEqual([0, 0, 0]);
    const toDlq = (inDlqAt as number) - sentAt;
    expect(toDlq).toBeLessThan(5000);
    // Never silent: counted each time it is seen.
    expect(w.metrics.total('UnaddressableMessages')).toBe(3);
    expect(w.metrics.total('Retries', { Reason: 'unaddressable' })).toBe(3);
    expectNothingDenied();
    measured.push(
      `poison message: ${deliveries.length} receives, in the dead-letter queue ${seconds(toDlq)} s after it was sent (maxReceiveCount ${MAX_RECEIVE_COUNT}; with the queue's visibility timeout it would take ${MAX_RECEIVE_COUNT * QUEUE_VISIBILITY_SECONDS} s)`
    );
  }, 60000);

  it('gives back, unstarted, a step reached with too little time left, which then runs elsewhere', async () => {
    // 14 s for the invocation; a step needs 2 s margin + 5 s grace + 5 s minimum run = 12 s.
    const w = worker({ TIDEPOOL_MIN_RUN_SECONDS: '5' });
    const long = step('sleep 3; echo long');
    const late = step('echo late');
    await server.send(long);
    await server.send(late);
    // Both records in one invocation, as a batch: the second is reached after 3 s of the first.
    const batch = [];
    while (batch.length < 2) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: server.queueUrl,
          MaxNumberOfMessages: 2,
          MessageSystemAttributeNames: ['All'],
        })
      );
      batch.push(...(out.Messages ?? []));
    }
    const records = batch
      .map((m) => toRecord(m, 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1'))
      .sort((a) => (a.body.includes(long.stepId) ? -1 : 1));
    const response = await handleBatch({ Records: records }, w.deps, within(14000));
    const outcomes = Object.fromEntries(
      records.map((r, i) => [JSON.parse(r.body).stepId as string, response.outcomes[i]])
    );
    expect(outcomes[long.stepId]).toMatchObject({ kind: 'done', ranNow: true });
    expect(outcomes[late.stepId]).toMatchObject({
      kind: 'retry',
      category: 'no-time-left',
      visibilitySeconds: 0,
    });
    expect(response.batchItemFailures).toHaveLength(1);
    // Nothing stored, no claim taken: the step is as if never received.
    expect(await server.result('retries-test', late.stepId)).toBeUndefined();
    expect(await server.getText(inBundle('retries-test', late.stepId, claimKey))).toBeUndefined();
    expect(w.metrics.total('Retries', { Reason: 'no-time-left' })).toBe(1);

    // Back on the queue at once, and run by the next invocation with time for it.
    const handedBackAt = Date.now();
    const again = await pump(w, async (d) => d.some((x) => x.outcome.kind === 'done'), {
      limitMs: 10000,
    });
    expect(again).toHaveLength(1);
    expect((again[0]?.receivedAt ?? Infinity) - handedBackAt).toBeLessThan(1000);
    expect((await server.result('retries-test', late.stepId))?.status).toBe('succeeded');
    expectNothingDenied();
    measured.push(
      `no time left: given back and received again ${seconds((again[0]?.receivedAt ?? 0) - handedBackAt)} s later`
    );
  }, 60000);
});
