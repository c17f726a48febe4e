import type { SQSRecord } from 'aws-lambda';
import type { S3ObjectStore } from '../aws/s3-store';
import type { LogEntry } from '../collect/types';
import type { IntegrityCheck } from '../integrity/check';
import { resultPrefix, type StepResult } from '../pipeline/result';
import { runStep, storeUnrun, type PipelineDeps } from '../pipeline/run-step';
import type { StepHost } from '../run/local-host';
import type { ObjectStore } from '../store/object-store';
import type { StepAddress } from '../step/types';
import { addressOf, validateStep } from '../step/validate';
import { Claims } from './claims';
import type { WorkerConfig } from './config';
import { LiveLog } from './live-log';
import { RetryingStore } from './retrying-store';

export interface WorkerDeps {
  config: WorkerConfig;
  inputs: S3ObjectStore;
  results: S3ObjectStore;
  host: StepHost;
  workerId: string;
  integrity?: IntegrityCheck;
  /** Keeps the message invisible while its step runs. */
  extendVisibility?: (receiptHandle: string, seconds: number) => Promise<void>;
  /** Short-lived credentials of a role for one step's script. */
  assumeRole?: (roleArn: string, address: StepAddress) => Promise<Record<string, string>>;
  log?: (
    level: 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, unknown>
  ) => void;
}

export interface Deadline {
  getRemainingTimeInMillis(): number;
}

export type RecordOutcome =
  { kind: 'done'; result: StepResult; ranNow: boolean } | { kind: 'retry'; reason: string };

const MAX_BODY_BYTES = 1 << 20;

export const keys = {
  result: (prefix: string) => `${prefix}result.json`,
  claim: (prefix: string) => `${prefix}claim.json`,
  cancel: (prefix: string) => `${prefix}cancel.json`,
};

async function existingResult(store: ObjectStore, prefix: string): Promise<StepResult | undefined> {
  const body = await store.get(keys.result(prefix), 64 << 20);
  return body ? (JSON.parse(body.toString('utf8')) as StepResult) : undefined;
}

/**
 * One SQS record: at-least-once delivery in, exactly-once effect out. A step with a stored
 * result is never run again; a step claimed by a live worker is left for later; anything
 * that is not the script's own failure is a retry.
 */
export async function processRecord(
  record: SQSRecord,
  deps: WorkerDeps,
  deadline: Deadline
): Promise<RecordOutcome> {
  const log = deps.log ?? (() => undefined);
  const results = new RetryingStore(deps.results);
  const pipelineDeps: PipelineDeps = {
    inputs: new RetryingStore(deps.inputs),
    results,
    host: deps.host,
    ...(deps.integrity ? { integrity: deps.integrity } : {}),
  };
  const receivedAt = new Date(Number(record.attributes?.SentTimestamp) || Date.now());

  let value: unknown;
  if (Buffer.byteLength(record.body, 'utf8') > MAX_BODY_BYTES) {
    return { kind: 'retry', reason: `message body over ${MAX_BODY_BYTES} bytes and unaddressable` };
  }
  try {
    value = JSON.parse(record.body);
  } catch {
    return { kind: 'retry', reason: 'message body is not JSON' };
  }
  const address = addressOf(value);
  if (!address) return { kind: 'retry', reason: 'message names no valid deploymentId and stepId' };
  const prefix = resultPrefix(address.deploymentId, address.stepId);

  try {
    const done = await existingResult(results, prefix);
    if (done) {
      log('info', 'step already finished; not running it again', {
        ...address,
        status: done.status,
      });
      return { kind: 'done', result: done, ranNow: false };
    }
    const parsed = validateStep(value);
    if (!parsed.ok) {
      const result = await runStep(value, pipelineDeps, { receivedAt });
      return { kind: 'done', result, ranNow: false };
    }
    const step = parsed.step;

    const claims = new Claims(deps.results, deps.workerId, deps.config.claimTtlSeconds * 1000);
    const claim = await claims.acquire(keys.claim(prefix));
    if (claim.kind === 'held') {
      return {
        kind: 'retry',
        reason: `step is running on worker ${claim.by.worker} until ${claim.by.expiresAt}`,
      };
    }

    try {
      // Another delivery may have finished it between our first look and the claim.
      const finished = await existingResult(results, prefix);
      if (finished) return { kind: 'done', result: finished, ranNow: false };
      if (await results.get(keys.cancel(prefix), 64 * 1024)) {
        const result = await storeUnrun(pipelineDeps, address, 'cancelled', receivedAt, {
          code: 'cancelled',
          message: 'The step was cancelled before it started.',
        });
        return { kind: 'done', result, ranNow: false };
      }

      let extraEnv: Record<string, string> | undefined;
      if (step.scriptRoleArn) {
        const allowed = deps.config.allowedScriptRoles?.test(step.scriptRoleArn) ?? false;
        if (!allowed || !deps.assumeRole) {
          const result = await storeUnrun(pipelineDeps, address, 'rejected', receivedAt, {
            code: 'role-not-allowed',
            message: `/scriptRoleArn: this worker may not assume '${step.scriptRoleArn}' (see TIDEPOOL_ALLOWED_SCRIPT_ROLES)`,
          });
          return { kind: 'done', result, ranNow: false };
        }
        extraEnv = await deps.assumeRole(step.scriptRoleArn, address);
      }

      const result = await runWatched(prefix, record, deps, pipelineDeps, claims, deadline, {
        receivedAt,
        ...(extraEnv ? { extraEnv } : {}),
        value,
        claimEtag: claim.etag,
      });
      return { kind: 'done', result, ranNow: true };
    } catch (error) {
      // Let the next delivery start again at once rather than wait out the claim.
      await deps.results.delete(keys.claim(prefix)).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    log('error', 'step could not be processed; it will be retried', {
      ...address,
      error: (error as Error).message,
    });
    return { kind: 'retry', reason: (error as Error).message };
  }
}

/** Runs the step while cancel requests are polled, the live log flushed and the lease kept. */
async function runWatched(
  prefix: string,
  record: SQSRecord,
  deps: WorkerDeps,
  pipelineDeps: PipelineDeps,
  claims: Claims,
  deadline: Deadline,
  options: {
    receivedAt: Date;
    extraEnv?: Record<string, string>;
    value: unknown;
    claimEtag: string;
  }
): Promise<StepResult> {
  let claimEtag: string | undefined = options.claimEtag;
  const { config } = deps;
  const live = new LiveLog(pipelineDeps.results, prefix);
  const cancel = new AbortController();
  const poll = setInterval(() => {
    void live.flush();
    void pipelineDeps.results.get(keys.cancel(prefix), 64 * 1024).then(
      (found) => found && cancel.abort(),
      () => undefined
    );
  }, config.pollMs);
  const leaseEveryMs = Math.max(1000, (config.visibilityTimeoutSeconds * 1000) / 2);
  const lease = setInterval(
    () => {
      if (claimEtag !== undefined) {
        claims.renew(keys.claim(prefix), claimEtag).then(
          (next) => {
            claimEtag = next;
            if (next === undefined) {
              deps.log?.(
                'warn',
                'the step was taken over by another worker; no longer renewing its claim',
                { prefix }
              );
            }
          },
          () => undefined
        );
      }
      void deps
        .extendVisibility?.(record.receiptHandle, config.visibilityTimeoutSeconds)
        .catch(() => undefined);
    },
    Math.min(leaseEveryMs, (config.claimTtlSeconds * 1000) / 2)
  );
  try {
    const deadlineAt = Date.now() + deadline.getRemainingTimeInMillis() - config.deadlineMarginMs;
    return await runStep(options.value, pipelineDeps, {
      receivedAt: options.receivedAt,
      signal: cancel.signal,
      deadlineAt,
      onLog: (entry: LogEntry) => live.add(entry),
      onProgress: (progress) => live.add({ progress }),
      // Live chunks are a convenience; the result must not wait long for them.
      beforeResult: () =>
        Promise.race([live.flush(), new Promise<void>((r) => setTimeout(r, 2000))]),
      ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    });
  } finally {
    clearInterval(poll);
    clearInterval(lease);
    await live.flush();
  }
}
