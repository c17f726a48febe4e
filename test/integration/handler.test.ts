import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import {
  cancelKey,
  claimKey,
  INPUTS_PREFIX,
  liveChunkKey,
  logKey,
  RESULTS_PREFIX,
  stepFolder,
} from '../../src/bucket/layout';
import { localWorkerDeps } from '../../src/local/stack';
import { toRecord } from '../../src/local/queue-worker';
import { handleBatch } from '../../src/worker/batch';
import { MetricsRecorder } from '../../src/worker/observe';
import type { WorkerDeps } from '../../src/worker/deps';
import { inBundle, startTestServer, type TestServer } from '../helpers/aws';

let server: TestServer;
const workers: WorkerDeps[] = [];

beforeAll(async () => {
  server = await startTestServer();
}, 30000);

afterAll(async () => {
  for (const w of workers) w.host.close?.();
  await server?.server.stop();
});

function worker(env: Record<string, string> = {}, metrics?: MetricsRecorder): WorkerDeps {
  const deps = localWorkerDeps(server, { TIDEPOOL_QUEUE_URL: server.queueUrl, ...env });
  workers.push(deps);
  return metrics ? { ...deps, metrics } : deps;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let counter = 0;
function step(script: string, extra: Record<string, unknown> = {}) {
  counter++;
  return {
    schemaVersion: 1,
    deploymentId: 'handler-test',
    stepId: `s${counter}-${Date.now()}`,
    syntax: 'bash',
    script: { inline: script },
    ...extra,
  };
}

/**
 * Sends bodies and receives them back as one real SQS event. Deliveries left over from
 * earlier tests (retries whose visibility ran out) are deleted, not mixed in.
 */
async function eventOf(bodies: unknown[]): Promise<SQSEvent> {
  const texts = bodies.map((b) => (typeof b === 'string' ? b : JSON.stringify(b)));
  for (const t of texts) await server.send(t);
  const wanted = [...texts];
  const records = [];
  while (wanted.length > 0) {
    const out = await server.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: server.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      })
    );
    for (const m of out.Messages ?? []) {
      const at = wanted.indexOf(m.Body ?? '');
      if (at < 0) {
        await server.sqs.send(
          new DeleteMessageCommand({ QueueUrl: server.queueUrl, ReceiptHandle: m.ReceiptHandle })
        );
        continue;
      }
      wanted.splice(at, 1);
      records.push(toRecord(m, 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1'));
    }
  }
  return { Records: records };
}

const within = (ms: number) => ({ getRemainingTimeInMillis: () => ms });
const firstChunk = (folder: string) => liveChunkKey(folder, 1);

describe('the SQS handler against a real S3/SQS-protocol server', () => {
  it('handles a batch of good, failing and malformed steps with partial failures', async () => {
    const good = step('echo "good #{Who}"; set_octopusvariable Out 42', {
      variables: { inline: { Who: 'run' } },
    });
    const failing = step('echo bad; exit 3');
    const invalid = { ...step('echo'), syntax: 'cobol' };
    const event = await eventOf([good, failing, invalid, '{"not": "addressable"}']);
    const metrics = new MetricsRecorder();
    const response = await handleBatch(event, worker({}, metrics), within(60000));

    const unaddressable = event.Records.find((r) => r.body.includes('addressable'));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: unaddressable?.messageId }]);
    const goodResult = await server.result('handler-test', good.stepId);
    expect(goodResult?.status).toBe('succeeded');
    expect(goodResult?.outputVariables.Out?.value).toBe('42');
    expect(goodResult?.log.map((l) => l.text)).toContain('good run');
    expect(await server.getText(inBundle('handler-test', good.stepId, logKey))).toContain(
      'good run'
    );
    expect((await server.result('handler-test', failing.stepId))?.exitCode).toBe(3);
    const rejected = await server.result('handler-test', invalid.stepId);
    expect(rejected?.status).toBe('rejected');
    expect(rejected?.error?.message).toContain('/syntax');

    expect(metrics.total('StepsSucceeded', { Syntax: 'bash' })).toBe(1);
    expect(metrics.total('StepsFailed', { Syntax: 'bash' })).toBe(1);
    expect(metrics.total('StepsRejected', { Syntax: 'unknown' })).toBe(1);
    expect(metrics.total('Retries', { Reason: 'unaddressable' })).toBe(1);
    expect(metrics.total('UnaddressableMessages')).toBe(1);
    const durations = metrics.recorded.filter((m) => m.name === 'DurationMs');
    expect(durations.map((m) => m.dimensions)).toEqual([{ Syntax: 'bash' }, { Syntax: 'bash' }]);
    expect(durations[0]?.value).toBe(goodResult?.timings.durationMs);
    const waits = metrics.recorded.filter((m) => m.name === 'QueueWaitMs');
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w.value).toBeGreaterThanOrEqual(0);
    // Queue wait runs from the message being sent to the script starting: under a minute here.
    for (const w of waits) expect(w.value).toBeLessThan(60000);
  });

  it('runs a step delivered twice only once', async () => {
    const s = step('echo "ran at $(date +%s%N)"');
    const deps = worker();
    const first = await handleBatch(await eventOf([s]), deps, within(60000));
    const second = await handleBatch(await eventOf([s]), deps, within(60000));
    expect(first.outcomes[0]).toMatchObject({ kind: 'done', ranNow: true });
    expect(second.outcomes[0]).toMatchObject({ kind: 'done', ranNow: false });
    expect(second.batchItemFailures).toEqual([]);
    const firstResult = first.outcomes[0]?.kind === 'done' ? first.outcomes[0].result : undefined;
    expect(await server.result('handler-test', s.stepId)).toEqual(firstResult);
  });

  it('lets only one of two workers that received the same step run it', async () => {
    const s = step('sleep 1; echo once');
    const event = await eventOf([s, s]);
    const [a, b] = await Promise.all([
      handleBatch({ Records: [event.Records[0]!] }, worker(), within(60000)),
      handleBatch({ Records: [event.Records[1]!] }, worker(), within(60000)),
    ]);
    const ran = [a, b].filter((r) => r.outcomes[0]?.kind === 'done' && r.outcomes[0].ranNow);
    const waiting = [a, b].filter((r) => r.outcomes[0]?.kind === 'retry');
    expect(ran).toHaveLength(1);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.batchItemFailures).toHaveLength(1);
    // The retried delivery later finds the result and does not run the step again.
    const later = await handleBatch(await eventOf([s]), worker(), within(60000));
    expect(later.outcomes[0]).toMatchObject({ kind: 'done', ranNow: false });
  });

  it('takes over the claim of a crashed worker once it has expired, and respects a live one', async () => {
    const s = step('echo taken-over');
    const claim = inBundle('handler-test', s.stepId, claimKey);
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 60000).toISOString();
    await server.put(
      claim,
      JSON.stringify({ worker: 'alive', claimedAt: past, expiresAt: future })
    );
    const held = await handleBatch(await eventOf([s]), worker(), within(60000));
    expect(held.outcomes[0]).toMatchObject({ kind: 'retry' });
    await server.put(
      claim,
      JSON.stringify({ worker: 'crashed', claimedAt: past, expiresAt: past })
    );
    const taken = await handleBatch(await eventOf([s]), worker(), within(60000));
    expect(taken.outcomes[0]).toMatchObject({ kind: 'done', ranNow: true });
    expect((await server.result('handler-test', s.stepId))?.log.map((l) => l.text)).toContain(
      'taken-over'
    );
  });

  it('stops a step before the Lambda deadline and stores timed-out with the log so far', async () => {
    const s = step('echo before-deadline; sleep 30; echo never');
    const started = Date.now();
    // 8 s left, 1 s kept for storing, 5 s of grace for the script to stop: 2 s of running
    // (enough to start it, with a minimum run time of 1 s).
    const response = await handleBatch(
      await eventOf([s]),
      worker({ TIDEPOOL_DEADLINE_MARGIN_MS: '1000', TIDEPOOL_MIN_RUN_SECONDS: '1' }),
      within(8000)
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(response.batchItemFailures).toEqual([]);
    const result = await server.result('handler-test', s.stepId);
    expect(result?.status).toBe('timed-out');
    expect(result?.log.map((l) => l.text)).toContain('before-deadline');
    expect(result?.timeout?.requestedSeconds).toBe(3600);
    expect(result?.timeout?.effectiveSeconds).toBeLessThanOrEqual(2);
  });

  it('runs a step asking for more time than is left with the cap, says so first, and records both', async () => {
    const s = step('echo capped', { timeoutSeconds: 3600 });
    // 60 s left, 2 s margin (the local stack's), 5 s of grace: at most 53 s of running.
    await handleBatch(await eventOf([s]), worker(), within(60000));
    const result = await server.result('handler-test', s.stepId);
    expect(result?.status).toBe('succeeded');
    expect(result?.timeout?.requestedSeconds).toBe(3600);
    expect(result?.timeout?.effectiveSeconds).toBeGreaterThanOrEqual(50);
    expect(result?.timeout?.effectiveSeconds).toBeLessThanOrEqual(53);
    expect(result?.log[0]).toEqual({
      stream: 'system',
      level: 'warning',
      text: `Timeout: the step asks for 60 min, but this step may run at most ${result?.timeout?.effectiveSeconds} s here (what is left of the worker's time limit).`,
    });
    expect(await server.getText(inBundle('handler-test', s.stepId, logKey))).toContain(
      'may run at most'
    );
    // A step that fits says nothing about it.
    const short = step('echo fits', { timeoutSeconds: 20 });
    await handleBatch(await eventOf([short]), worker(), within(60000));
    const fits = await server.result('handler-test', short.stepId);
    expect(fits?.timeout).toEqual({ requestedSeconds: 20, effectiveSeconds: 20 });
    expect(fits?.log.map((l) => l.text).join('\n')).not.toContain('may run at most');
    expect(fits?.log.map((l) => l.text)).toContain('fits');
  });

  it('answers a duplicate with its result, but not a re-used id for a different message', async () => {
    const original = step('echo original; set_octopusvariable Which original');
    const body = JSON.stringify(original);
    const metrics = new MetricsRecorder();
    const deps = worker({}, metrics);
    await handleBatch(await eventOf([body]), deps, within(60000));
    const stored = await server.result('handler-test', original.stepId);
    expect(stored?.messageSha256).toBe(sha256(body));
    const claim = JSON.parse(
      (await server.getText(inBundle('handler-test', original.stepId, claimKey))) ?? '{}'
    );
    expect(claim.messageSha256).toBe(sha256(body));

    const duplicate = await handleBatch(await eventOf([body]), deps, within(60000));
    expect(duplicate.outcomes[0]).toMatchObject({ kind: 'done', ranNow: false });

    const reused = JSON.stringify({ ...original, script: { inline: 'echo other' } });
    const response = await handleBatch(await eventOf([reused]), deps, within(60000));
    expect(response.outcomes[0]).toMatchObject({
      kind: 'digest-mismatch',
      messageSha256: sha256(reused),
      storedSha256: sha256(body),
    });
    // Done with (SQS deletes it), not retried, and the stored result is untouched.
    expect(response.batchItemFailures).toEqual([]);
    expect(await server.result('handler-test', original.stepId)).toEqual(stored);
    expect(metrics.total('DigestMismatches')).toBe(1);
    expect(metrics.total('StepsSucceeded')).toBe(1);
  });

  it('deletes the step’s own variables object once its result is stored, never a shared one', async () => {
    const id = `vars-${Date.now()}`;
    const own = `handler-test/${id}/variables.json`;
    const shared = `handler-test/shared-${id}.json`;
    await server.put(
      INPUTS_PREFIX + own,
      JSON.stringify({ Token: { value: 'own-secret-value', sensitive: true } })
    );
    await server.put(INPUTS_PREFIX + shared, JSON.stringify({ Token: 'shared' }));
    const a = { ...step('echo "token=$(get_octopusvariable Token)"'), stepId: id };
    const b = step('echo "token=#{Token}"; exit 4', { variables: { key: shared } });
    await handleBatch(
      await eventOf([{ ...a, variables: { key: own } }, b]),
      worker(),
      within(60000)
    );
    expect((await server.result('handler-test', id))?.log.map((l) => l.text)).toContain(
      'token=********'
    );
    expect((await server.result('handler-test', b.stepId))?.exitCode).toBe(4);
    expect(await server.getText(INPUTS_PREFIX + own)).toBeUndefined();
    expect(await server.getText(INPUTS_PREFIX + shared)).toContain('shared');

    // A step refused without running is finished too: its variables go as well.
    const refused = step('echo never', {
      scriptRoleArn: 'arn:aws:iam::123456789012:role/admin',
    });
    const refusedVars = `handler-test/${refused.stepId}/variables.json`;
    await server.put(INPUTS_PREFIX + refusedVars, JSON.stringify({ Token: 'refused-secret' }));
    await handleBatch(
      await eventOf([{ ...refused, variables: { key: refusedVars } }]),
      worker(),
      within(60000)
    );
    expect((await server.result('handler-test', refused.stepId))?.status).toBe('rejected');
    expect(await server.getText(INPUTS_PREFIX + refusedVars)).toBeUndefined();
  });

  it('still reports a retry when its visibility cannot be set, and says so', async () => {
    const logged: string[] = [];
    const deps: WorkerDeps = {
      ...worker(),
      setVisibility: () => Promise.reject(new Error('AccessDenied')),
      log: (level, message, fields) => logged.push(`${level} ${message} ${String(fields?.error)}`),
    };
    const event = await eventOf(['{"deploymentId": "no step here"}']);
    const response = await handleBatch(event, deps, within(60000));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(logged).toContainEqual(
      "error could not set the record's visibility; it comes back after the queue's AccessDenied"
    );
  });

  it('loses no result while S3 answers 503 for a while', async () => {
    const s = step('echo through-the-storm; set_octopusvariable Kept yes');
    const event = await eventOf([s]);
    await server.fault({ status: 503, count: 12 });
    const response = await handleBatch(event, worker(), within(120000));
    expect(response.batchItemFailures).toEqual([]);
    await server.fault({ count: 0 });
    const result = await server.result('handler-test', s.stepId);
    expect(result?.status).toBe('succeeded');
    expect(result?.outputVariables.Kept?.value).toBe('yes');
  }, 60000);

  it('retries, without losing the step, when S3 stalls past the request timeout', async () => {
    const s = step('echo after-the-stall');
    const event = await eventOf([s]);
    await server.fault({ delayMs: 1500, count: 2 });
    const response = await handleBatch(
      event,
      worker({ TIDEPOOL_AWS_REQUEST_TIMEOUT_MS: '500' }),
      within(120000)
    );
    expect(response.batchItemFailures).toEqual([]);
    expect((await server.result('handler-test', s.stepId))?.status).toBe('succeeded');
  }, 60000);

  it('cancels a running step and stores cancelled with the log so far', async () => {
    const s = step('echo working; sleep 30');
    const deps = worker();
    const running = handleBatch(await eventOf([s]), deps, within(60000));
    // Wait for the live log to show the script is running, then ask for cancellation.
    for (
      let i = 0;
      i < 50 && !(await server.getText(inBundle('handler-test', s.stepId, firstChunk)));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await server.getText(inBundle('handler-test', s.stepId, firstChunk))).toContain(
      'working'
    );
    await server.put(inBundle('handler-test', s.stepId, cancelKey), '{}');
    await running;
    const result = await server.result('handler-test', s.stepId);
    expect(result?.status).toBe('cancelled');
    expect(result?.log.map((l) => l.text)).toContain('working');
  });

  it('does not start a step that was cancelled before it was received', async () => {
    const s = step('echo should-not-run');
    await server.put(inBundle('handler-test', s.stepId, cancelKey), '{}');
    await handleBatch(await eventOf([s]), worker(), within(60000));
    const result = await server.result('handler-test', s.stepId);
    expect(result?.status).toBe('cancelled');
    expect(result?.log.map((l) => l.text)).not.toContain('should-not-run');
  });

  it('gives scripts none of the worker’s credentials', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAWORKERONLY0000';
    process.env.AWS_SECRET_ACCESS_KEY = 'worker-secret-key-material';
    try {
      const s = step(
        'env | grep -i aws || echo "no aws variables"; cat ~/.aws/credentials 2>&1 || true; echo "home=$HOME"'
      );
      await handleBatch(await eventOf([s]), worker(), within(60000));
      const text =
        (await server.result('handler-test', s.stepId))?.log.map((l) => l.text).join('\n') ?? '';
      expect(text).toContain('no aws variables');
      expect(text).not.toContain('AKIAWORKERONLY0000');
      expect(text).not.toContain('worker-secret-key-material');
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('refuses a script role the worker is not allowed to assume', async () => {
    const s = step('echo nope', { scriptRoleArn: 'arn:aws:iam::123456789012:role/admin' });
    await handleBatch(await eventOf([s]), worker(), within(60000));
    const result = await server.result('handler-test', s.stepId);
    expect(result?.status).toBe('rejected');
    expect(result?.error?.code).toBe('role-not-allowed');
  });

  it('shows earlier steps’ output variables as Octopus.Action[<name>].Output.<Name>', async () => {
    const first = step(
      'set_octopusvariable Color blue; set_octopusvariable Pin 7788-secret -sensitive',
      { stepName: 'Pick colour' }
    );
    const deps = worker();
    await handleBatch(await eventOf([first]), deps, within(60000));
    const second = step(
      'echo "colour=#{Octopus.Action[Pick colour].Output.Color}"; echo "pin=$(get_octopusvariable "Octopus.Action[Pick colour].Output.Pin")"',
      { previousSteps: [first.stepId] }
    );
    await handleBatch(await eventOf([second]), deps, within(60000));
    const texts =
      (await server.result('handler-test', second.stepId))?.log.map((l) => l.text) ?? [];
    expect(texts).toContain('colour=blue');
    expect(texts).toContain('pin=********');
  });

  it('works as the deployed Lambda handler, configured from its environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      TIDEPOOL_BUCKET: server.bucket,
      TIDEPOOL_QUEUE_URL: server.queueUrl,
      TIDEPOOL_AWS_ENDPOINT: server.endpoint,
      TIDEPOOL_WORK_DIR: os.tmpdir(),
      // As Lambda sets it: Powertools reports cold starts only for on-demand environments.
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    });
    try {
      const { handler } = await import('../../functions/step-runner/handler');
      const ok = step('echo "from the handler"');
      const event = await eventOf([ok, 'not json']);
      const context = {
        getRemainingTimeInMillis: () => 60000,
        awsRequestId: 'req-0001',
        functionName: 'tidepool-test-stepRunner',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:tidepool-test',
        memoryLimitInMB: '2048',
      } as unknown as import('aws-lambda').Context;
      // What the function writes (stdout and stderr) is what CloudWatch Logs and EMF receive.
      const lines: string[] = [];
      const capture = (stream: NodeJS.WriteStream) => {
        const write = stream.write.bind(stream);
        return jest.spyOn(stream, 'write').mockImplementation((chunk, ...rest) => {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          return write(chunk, ...(rest as []));
        });
      };
      const spies = [capture(process.stdout), capture(process.stderr)];
      let response;
      try {
        response = await handler(event, context);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      const bad = event.Records.find((r) => r.body === 'not json');
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad?.messageId }] });
      expect((await server.result('handler-test', ok.stepId))?.log.map((l) => l.text)).toContain(
        'from the handler'
      );

      const json = lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      const emf = json.filter((j) => '_aws' in j);
      const succeeded = emf.find((j) => 'StepsSucceeded' in j);
      expect(succeeded).toMatchObject({ service: 'tidepool', Syntax: 'bash', StepsSucceeded: 1 });
      expect(succeeded?._aws).toMatchObject({
        CloudWatchMetrics: [
          {
            Namespace: 'Tidepool',
            Dimensions: [['service', 'Syntax']],
            Metrics: [{ Name: 'StepsSucceeded', Unit: 'Count' }],
          },
        ],
      });
      expect(emf.find((j) => 'UnaddressableMessages' in j)).toMatchObject({
        UnaddressableMessages: 1,
      });
      expect(emf.find((j) => 'Retries' in j)).toMatchObject({ Reason: 'unaddressable' });
      const retryLine = json.find(
        (j) => j.message === 'record will be retried in 0 s' && j.category === 'unaddressable'
      );
      expect(retryLine).toMatchObject({
        level: 'WARN',
        service: 'tidepool',
        function_request_id: 'req-0001',
        cold_start: true,
        messageId: bad?.messageId,
      });
      // Every line about a step carries its address, the request id and cold start.
      expect(json.find((j) => j.message === 'step succeeded')).toMatchObject({
        level: 'INFO',
        service: 'tidepool',
        deploymentId: 'handler-test',
        stepId: ok.stepId,
        function_request_id: 'req-0001',
        function_name: 'tidepool-test-stepRunner',
        cold_start: true,
        status: 'succeeded',
        exitCode: 0,
      });
    } finally {
      process.env = saved;
    }
  });

  it('reads scripts and variables from the input prefix by key', async () => {
    await server.put(
      `${INPUTS_PREFIX}handler-test/k/script.sh`,
      'echo "from-s3 $(get_octopusvariable Name)"'
    );
    await server.put(`${INPUTS_PREFIX}handler-test/k/vars.json`, JSON.stringify({ Name: 'keyed' }));
    const s = step('', {
      script: { key: 'handler-test/k/script.sh' },
      variables: { key: 'handler-test/k/vars.json' },
    });
    await handleBatch(await eventOf([s]), worker(), within(60000));
    expect((await server.result('handler-test', s.stepId))?.log.map((l) => l.text)).toContain(
      'from-s3 keyed'
    );
  });
});

describe('claims', () => {
  it('renews only the version this worker wrote, never a successor’s claim', async () => {
    const { Claims } = await import('../../src/worker/claims');
    const deps = worker();
    const key = claimKey(
      stepFolder({ deploymentId: 'handler-test', stepId: `renew-${Date.now()}` })
    );
    const mine = new Claims(deps.results, 'worker-a', 60000);
    const claimed = await mine.acquire(key);
    expect(claimed.kind).toBe('claimed');
    const etag = claimed.kind === 'claimed' ? claimed.etag : '';
    const renewed = await mine.renew(key, etag);
    expect(renewed).toBeDefined();
    // Another worker takes over (as after an expiry): the first one's renewal must fail.
    await server.put(
      RESULTS_PREFIX + key,
      JSON.stringify({ worker: 'worker-b', claimedAt: '', expiresAt: '' })
    );
    expect(await mine.renew(key, renewed ?? '')).toBeUndefined();
    expect(JSON.parse((await server.getText(RESULTS_PREFIX + key)) ?? '{}').worker).toBe(
      'worker-b'
    );
  });
});
