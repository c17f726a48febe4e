import { randomUUID } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import {
  cancelKey,
  claimKey,
  liveChunkKey,
  resultKey,
  stepFolder,
} from '../../../src/bucket/layout';
import type { StepResult } from '../../../src/step/result';
import { handleBatch } from '../../../src/worker/batch';
import { loadConfig } from '../../../src/worker/config';
import type { WorkerDeps } from '../../../src/worker/deps';
import { messageDigest } from '../../../src/worker/process-record';
import { MemoryStore } from './fakes/memory-store';
import { ScriptedHost, type Script } from './fakes/scripted-host';

// The worker's decisions on one delivery, on in-memory ports: no server, no bash.

const address = { deploymentId: 'd', stepId: 's1' };
const folder = stepFolder(address);

function step(extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    ...address,
    syntax: 'bash',
    script: { inline: 'echo hello' },
    ...extra,
  };
}

function recordOf(body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `rh-${randomUUID()}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:steps',
    awsRegion: 'us-east-1',
  };
}

const within = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

function worker(script: Script = { lines: ['hello'] }, env: Record<string, string> = {}) {
  const inputs = new MemoryStore();
  const results = new MemoryStore();
  const host = new ScriptedHost(script);
  const visibility: number[] = [];
  const deps: WorkerDeps = {
    config: loadConfig({ TIDEPOOL_BUCKET: 'bucket', ...env }),
    inputs,
    results,
    host,
    workerId: 'worker-a',
    setVisibility: async (_receiptHandle, seconds) => void visibility.push(seconds),
  };
  const run = (body: unknown, options: { receiveCount?: number; leftMs?: number } = {}) => {
    const record = recordOf(body, options.receiveCount);
    return handleBatch({ Records: [record] }, deps, within(options.leftMs ?? 60_000)).then(
      (response) => ({ ...response, outcome: response.outcomes[0], record })
    );
  };
  const stored = () => JSON.parse(results.text(resultKey(folder)) ?? 'null') as StepResult | null;
  return { deps, inputs, results, host, visibility, run, stored };
}

function storedResult(over: Partial<StepResult> = {}): StepResult {
  return {
    schemaVersion: 1,
    ...address,
    status: 'succeeded',
    exitCode: 0,
    outputVariables: {},
    artifacts: [],
    log: [],
    progress: [],
    timings: {
      queuedAt: '2026-01-01T00:00:00.000Z',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      durationMs: 1000,
    },
    ...over,
  };
}

describe('Function: processRecord (through handleBatch)', () => {
  it('runs a step and is done with it: the record is deleted, the result stored with the log', async () => {
    const w = worker({ lines: ['hello', '##octopus[setVariable name="T3V0" value="NDI="]'] });
    const body = JSON.stringify(step());
    const response = await w.run(body);

    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: true, storedNow: true });
    expect(response.batchItemFailures).toEqual([]);
    expect(w.host.executed).toHaveLength(1);
    const result = w.stored();
    expect(result?.status).toBe('succeeded');
    expect(result?.outputVariables.Out?.value).toBe('42');
    expect(result?.messageSha256).toBe(messageDigest(body));
    expect(w.results.text(liveChunkKey(folder, 1))).toContain('hello');
    const claim = JSON.parse(w.results.text(claimKey(folder)) ?? '{}');
    expect(claim).toMatchObject({ worker: 'worker-a', messageSha256: messageDigest(body) });
  });

  it('is done with a step whose script failed: a failure is a result, not a retry', async () => {
    const w = worker({ lines: ['bad'], exitCode: 3 });
    const response = await w.run(step());
    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: true });
    expect(response.batchItemFailures).toEqual([]);
    expect(w.stored()).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(w.visibility).toEqual([]);
  });

  it('stores a rejection for an invalid step that names its ids, without running it', async () => {
    const w = worker();
    const response = await w.run(step({ syntax: 'cobol' }));
    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: false, storedNow: true });
    expect(w.stored()?.status).toBe('rejected');
    expect(w.stored()?.error?.message).toContain('/syntax');
    expect(w.host.executed).toEqual([]);
  });

  it('hands back a message it cannot address at once, for the dead-letter queue', async () => {
    const w = worker();
    const response = await w.run('not json');
    expect(response.outcome).toMatchObject({
      kind: 'retry',
      category: 'unaddressable',
      visibilitySeconds: 0,
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: response.record.messageId }]);
    expect(w.visibility).toEqual([0]);
    expect(w.results.calls).toEqual([]);
  });

  it('answers a duplicate delivery from the stored result, and deletes the variables left behind', async () => {
    const w = worker();
    const variables = `${folder}variables.json`;
    const body = JSON.stringify(step({ variables: { key: variables } }));
    w.results.seed(resultKey(folder), storedResult({ messageSha256: messageDigest(body) }));
    w.inputs.seed(variables, { Token: 'secret' });

    const response = await w.run(body);

    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: false, storedNow: false });
    expect(response.batchItemFailures).toEqual([]);
    expect(w.host.executed).toEqual([]);
    expect(w.results.keysOf('put')).toEqual([]);
    expect(w.results.keysOf('putConditional')).toEqual([]);
    expect(w.inputs.keysOf('delete')).toEqual([variables]);
  });

  it('drops a re-used id for a different message unanswered, leaving the stored result alone', async () => {
    const w = worker();
    const stored = storedResult({ messageSha256: messageDigest('an earlier message') });
    w.results.seed(resultKey(folder), stored);
    const body = JSON.stringify(step());

    const response = await w.run(body);

    expect(response.outcome).toMatchObject({
      kind: 'digest-mismatch',
      messageSha256: messageDigest(body),
      storedSha256: messageDigest('an earlier message'),
    });
    expect(response.batchItemFailures).toEqual([]);
    expect(w.stored()).toEqual(stored);
    expect(w.host.executed).toEqual([]);
  });

  it('leaves a step another worker holds, coming back just after its claim expires', async () => {
    const w = worker();
    const expiresAt = new Date(Date.now() + 10_000).toISOString();
    w.results.seed(claimKey(folder), { worker: 'worker-b', claimedAt: '', expiresAt });

    const response = await w.run(step());

    expect(response.outcome).toMatchObject({
      kind: 'retry',
      category: 'claim-held',
      visibilitySeconds: 11,
    });
    expect(response.outcome?.kind === 'retry' && response.outcome.reason).toContain('worker-b');
    expect(response.batchItemFailures).toHaveLength(1);
    expect(w.visibility).toEqual([11]);
    expect(w.host.executed).toEqual([]);
    expect(JSON.parse(w.results.text(claimKey(folder)) ?? '{}').worker).toBe('worker-b');
  });

  it('takes over the claim of a worker that has died (expired), and runs the step', async () => {
    const w = worker();
    const expiresAt = new Date(Date.now() - 1000).toISOString();
    w.results.seed(claimKey(folder), { worker: 'worker-b', claimedAt: '', expiresAt });
    const response = await w.run(step());
    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: true });
    expect(JSON.parse(w.results.text(claimKey(folder)) ?? '{}').worker).toBe('worker-a');
  });

  it('never starts a step cancelled before it was received', async () => {
    const w = worker();
    w.results.seed(cancelKey(folder), { requestedAt: new Date().toISOString() });
    const response = await w.run(step());
    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: false, storedNow: true });
    expect(w.stored()).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(w.host.executed).toEqual([]);
  });

  it('refuses a script role it may not assume, without running the step', async () => {
    const w = worker();
    await w.run(step({ scriptRoleArn: 'arn:aws:iam::123456789012:role/admin' }));
    expect(w.stored()).toMatchObject({ status: 'rejected', error: { code: 'role-not-allowed' } });
    expect(w.host.executed).toEqual([]);
  });

  it('hands a step back at once, untouched, when too little of the invocation is left', async () => {
    const w = worker();
    // 10 s margin + 5 s grace + 30 s minimum run: 45 s needed, 20 s left.
    const response = await w.run(step(), { leftMs: 20_000 });
    expect(response.outcome).toMatchObject({
      kind: 'retry',
      category: 'no-time-left',
      visibilitySeconds: 0,
    });
    expect(w.visibility).toEqual([0]);
    expect(w.results.calls).toEqual([]);
    expect(w.host.executed).toEqual([]);
  });

  it('starts a short step with less time left: it needs only its own timeout', async () => {
    const w = worker();
    const response = await w.run(step({ timeoutSeconds: 2 }), { leftMs: 20_000 });
    expect(response.outcome).toMatchObject({ kind: 'done', ranNow: true });
  });

  it('hands back a step whose store refuses, with a backoff that grows with each receive', async () => {
    const w = worker();
    w.results.fail({ retryable: false });
    const response = await w.run(step(), { receiveCount: 3 });
    expect(response.outcome).toMatchObject({ kind: 'retry', category: 'store-error' });
    expect(response.outcome?.kind === 'retry' && response.outcome.reason).toContain(
      `Failed to get '${resultKey(folder)}'`
    );
    expect(response.batchItemFailures).toHaveLength(1);
    // 5 s × 2^(3 − 1) = 20 s, ± 20 %.
    expect(w.visibility).toHaveLength(1);
    expect(w.visibility[0]).toBeGreaterThanOrEqual(16);
    expect(w.visibility[0]).toBeLessThanOrEqual(24);
    expect(w.host.executed).toEqual([]);
  });

  it('releases the claim it took when the store fails after it, so the next delivery starts at once', async () => {
    const w = worker();
    w.results.fail({
      retryable: false,
      when: (op, key) => op === 'get' && key === cancelKey(folder),
    });
    const response = await w.run(step());
    expect(response.outcome).toMatchObject({ kind: 'retry', category: 'store-error' });
    expect(w.results.keysOf('putConditional')).toEqual([claimKey(folder)]);
    expect(w.results.keysOf('delete')).toEqual([claimKey(folder)]);
    expect(w.results.text(claimKey(folder))).toBeUndefined();
  });

  describe('with a store that keeps failing as S3 does when unavailable (503)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('tries 8 times with backoff before handing the step back', async () => {
      const w = worker();
      w.results.fail({ retryable: true });
      const running = w.run(step());
      await jest.runAllTimersAsync();
      const response = await running;
      expect(response.outcome).toMatchObject({ kind: 'retry', category: 'store-error' });
      expect(w.results.keysOf('get')).toEqual(Array(8).fill(resultKey(folder)));
      // The first receive: 5 s ± 20 %.
      expect(w.visibility[0]).toBeGreaterThanOrEqual(4);
      expect(w.visibility[0]).toBeLessThanOrEqual(6);
    });

    it('loses nothing when the store recovers within its retries', async () => {
      const w = worker();
      w.results.fail({ retryable: true, count: 5 });
      const running = w.run(step());
      await jest.runAllTimersAsync();
      const response = await running;
      expect(response.outcome).toMatchObject({ kind: 'done', ranNow: true });
      expect(w.stored()?.status).toBe('succeeded');
    });
  });
});
