import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { StoreError, type S3ObjectStore } from '../aws/s3-store';
import type { LogEntry } from '../collect/types';
import type { IntegrityCheck } from '../integrity/check';
import { DEFAULT_CONFIG } from '../pipeline/config';
import { resultPrefix, type StepResult } from '../pipeline/result';
import { runStep, storeUnrun, type PipelineDeps } from '../pipeline/run-step';
import type { StepHost } from '../run/local-host';
import type { ObjectStore } from '../store/object-store';
import type { StepAddress } from '../step/types';
import { addressOf, validateStep } from '../step/validate';
import { afterClaimSeconds } from './backoff';
import { Claims } from './claims';
import type { WorkerConfig } from './config';
import { LiveLog } from './live-log';
import type { Log, Metrics, RetryReason } from './observe';
import { withRetries } from './retry';
import { RetryingStore } from './retrying-store';

export interface WorkerDeps {
  config: WorkerConfig;
  inputs: S3ObjectStore;
  results: S3ObjectStore;
  host: StepHost;
  workerId: string;
  integrity?: IntegrityCheck;
  /**
   * How long the message stays invisible (ChangeMessageVisibility): extended while its step
   * runs, shortened to a backoff when the delivery is handed back.
   */
  setVisibility?: (receiptHandle: string, seconds: number) => Promise<void>;
  /** Short-lived credentials of a role for one step's script. */
  assumeRole?: (roleArn: string, address: StepAddress) => Promise<Record<string, string>>;
  log?: Log;
  metrics?: Metrics;
}

export interface Deadline {
  getRemainingTimeInMillis(): number;
}

export type RecordOutcome =
  | {
      /** The delivery is answered by a result: run now, stored now without running, or found. */
      kind: 'done';
      result: StepResult;
      ranNow: boolean;
      /** This delivery stored the result (ran, rejected or cancelled it), rather than found it. */
      storedNow: boolean;
      address: StepAddress;
      syntax: string;
    }
  | {
      /** Handed back to the queue, to come back after `visibilitySeconds` (or a backoff). */
      kind: 'retry';
      reason: string;
      category: RetryReason;
      visibilitySeconds?: number;
      address?: StepAddress;
    }
  | {
      /**
       * The step's id already has a result, for a different message: the id was re-used. The
       * delivery is finished (deleted) but not answered with that result as if it were its own.
       */
      kind: 'digest-mismatch';
      stored: StepResult;
      messageSha256: string;
      storedSha256: string;
      address: StepAddress;
    };

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

export function messageDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

function syntaxOf(value: unknown): string {
  const syntax = (value as { syntax?: unknown } | null)?.syntax;
  return syntax === 'bash' || syntax === 'powershell' ? syntax : 'unknown';
}

/**
 * One SQS record: at-least-once delivery in, exactly-once effect out. A step with a stored
 * result is never run again; a step claimed by a live worker is left for later; a step that
 * could not finish in the time left is not started; anything that is not the script's own
 * failure is a retry.
 */
export async function processRecord(
  record: SQSRecord,
  deps: WorkerDeps,
  deadline: Deadline
): Promise<RecordOutcome> {
  const base = deps.log ?? (() => undefined);
  const messageSha256 = messageDigest(record.body);
  const unaddressable = (reason: string): RecordOutcome => {
    // Never silent: the body may hold secrets, so its size and digest are logged, not its text.
    base('error', `message cannot be addressed: ${reason}; it goes to the dead-letter queue`, {
      messageId: record.messageId,
      bodyBytes: Buffer.byteLength(record.body, 'utf8'),
      messageSha256,
    });
    return { kind: 'retry', reason, category: 'unaddressable', visibilitySeconds: 0 };
  };

  if (Buffer.byteLength(record.body, 'utf8') > MAX_BODY_BYTES) {
    return unaddressable(`message body over ${MAX_BODY_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(record.body);
  } catch {
    return unaddressable('message body is not JSON');
  }
  const address = addressOf(value);
  if (!address) return unaddressable('message names no valid deploymentId and stepId');
  const prefix = resultPrefix(address.deploymentId, address.stepId);
  // Every line about this record carries the step's address.
  const log: Log = (level, message, fields) =>
    base(level, message, { ...address, messageId: record.messageId, ...fields });
  const syntax = syntaxOf(value);

  const results = new RetryingStore(deps.results);
  const pipelineDeps: PipelineDeps = {
    inputs: new RetryingStore(deps.inputs),
    results,
    host: deps.host,
    ...(deps.integrity ? { integrity: deps.integrity } : {}),
  };
  const receivedAt = new Date(Number(record.attributes?.SentTimestamp) || Date.now());
  const parsed = validateStep(value);
  const done = async (result: StepResult, ranNow: boolean): Promise<RecordOutcome> => {
    log('info', `step ${result.status}`, {
      status: result.status,
      exitCode: result.exitCode,
      durationMs: result.timings.durationMs,
      ...(result.error ? { errorCode: result.error.code } : {}),
    });
    await deleteVariables(value, address, deps.inputs, log);
    return { kind: 'done', result, ranNow, storedNow: true, address, syntax };
  };

  // Never start what cannot finish: a step killed at once would be stored as a permanent
  // timed-out. Given back at once instead, for an invocation with time to run it.
  const needMs =
    deps.config.deadlineMarginMs +
    (parsed.ok
      ? DEFAULT_CONFIG.graceMs +
        Math.min(
          deps.config.minRunSeconds,
          parsed.step.timeoutSeconds ?? DEFAULT_CONFIG.defaultTimeoutSeconds
        ) *
          1000
      : 0);
  const leftMs = deadline.getRemainingTimeInMillis();
  if (leftMs < needMs) {
    return {
      kind: 'retry',
      reason: `only ${Math.max(0, Math.round(leftMs / 1000))} s left of this invocation; the step needs ${Math.ceil(needMs / 1000)} s to start`,
      category: 'no-time-left',
      visibilitySeconds: 0,
      address,
    };
  }

  try {
    const stored = await existingResult(results, prefix);
    if (stored)
      return await answerFromStored(stored, { value, address, syntax, messageSha256 }, deps, log);
    if (!parsed.ok)
      return await done(await runStep(value, pipelineDeps, { receivedAt, messageSha256 }), false);
    const step = parsed.step;

    const claims = new Claims(
      deps.results,
      deps.workerId,
      deps.config.claimTtlSeconds * 1000,
      Date.now,
      messageSha256
    );
    const claim = await claims.acquire(keys.claim(prefix));
    if (claim.kind === 'held') {
      const other =
        claim.by.messageSha256 && claim.by.messageSha256 !== messageSha256
          ? ' (for a different message with the same ids)'
          : '';
      const visibilitySeconds = afterClaimSeconds(claim.by.expiresAt, Date.now());
      return {
        kind: 'retry',
        reason: `step is running on worker ${claim.by.worker} until ${claim.by.expiresAt}${other}`,
        category: 'claim-held',
        ...(visibilitySeconds !== undefined ? { visibilitySeconds } : {}),
        address,
      };
    }

    try {
      // Another delivery may have finished it between our first look and the claim.
      const finished = await existingResult(results, prefix);
      if (finished) {
        return await answerFromStored(
          finished,
          { value, address, syntax, messageSha256 },
          deps,
          log
        );
      }
      if (await results.get(keys.cancel(prefix), 64 * 1024)) {
        const result = await storeUnrun(
          pipelineDeps,
          address,
          'cancelled',
          receivedAt,
          { code: 'cancelled', message: 'The step was cancelled before it started.' },
          undefined,
          messageSha256
        );
        return await done(result, false);
      }

      let extraEnv: Record<string, string> | undefined;
      if (step.scriptRoleArn) {
        const allowed = deps.config.allowedScriptRoles?.test(step.scriptRoleArn) ?? false;
        if (!allowed || !deps.assumeRole) {
          const result = await storeUnrun(
            pipelineDeps,
            address,
            'rejected',
            receivedAt,
            {
              code: 'role-not-allowed',
              message: `/scriptRoleArn: this worker may not assume '${step.scriptRoleArn}' (see TIDEPOOL_ALLOWED_SCRIPT_ROLES)`,
            },
            undefined,
            messageSha256
          );
          return await done(result, false);
        }
        extraEnv = await deps.assumeRole(step.scriptRoleArn, address);
      }

      const result = await runWatched(prefix, record, deps, pipelineDeps, claims, deadline, {
        receivedAt,
        ...(extraEnv ? { extraEnv } : {}),
        value,
        claimEtag: claim.etag,
        messageSha256,
        log,
      });
      return await done(result, true);
    } catch (error) {
      // Let the next delivery start again at once rather than wait out the claim.
      await deps.results.delete(keys.claim(prefix)).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    log('error', 'step could not be processed; it will be retried', {
      error: (error as Error).message,
    });
    return {
      kind: 'retry',
      reason: (error as Error).message,
      category: error instanceof StoreError ? 'store-error' : 'worker-error',
      address,
    };
  }
}

/**
 * A delivery whose step already has a result. The same message (a duplicate delivery) is
 * answered by it; a different message under the same ids is not: it is someone re-using an
 * id, and answering it with another step's result would be a silent wrong answer.
 */
async function answerFromStored(
  stored: StepResult,
  delivery: { value: unknown; address: StepAddress; syntax: string; messageSha256: string },
  deps: WorkerDeps,
  log: Log
): Promise<RecordOutcome> {
  const { address, messageSha256 } = delivery;
  // Results written before digests were recorded (or by `tidepool run`) cannot be compared.
  if (stored.messageSha256 !== undefined && stored.messageSha256 !== messageSha256) {
    log('warn', 'step id re-used for a different message; the delivery is dropped unanswered', {
      messageSha256,
      storedSha256: stored.messageSha256,
      storedStatus: stored.status,
    });
    return {
      kind: 'digest-mismatch',
      stored,
      messageSha256,
      storedSha256: stored.messageSha256,
      address,
    };
  }
  log('info', 'step already finished; not running it again', { status: stored.status });
  // A worker that stopped between storing the result and deleting the variables left them.
  await deleteVariables(delivery.value, address, deps.inputs, log);
  return {
    kind: 'done',
    result: stored,
    ranNow: false,
    storedNow: false,
    address,
    syntax: delivery.syntax,
  };
}

/**
 * Deletes the step's variables object (it may hold secrets) once its result is stored, so it
 * does not sit in inputs/ until the lifecycle rule expires it. Only after the result: a worker
 * that dies mid-step leaves the inputs for the retry. Only an object under the step's own
 * inputs prefix `<deploymentId>/<stepId>/`, where `tidepool submit` puts it: a variables
 * object elsewhere may be shared by other steps (an environment's settings uploaded once and
 * named by many messages), which would then fail with input-missing. Never fails the step.
 */
async function deleteVariables(
  value: unknown,
  address: StepAddress,
  inputs: S3ObjectStore,
  log: Log
): Promise<void> {
  const key = (value as { variables?: { key?: unknown } } | null)?.variables?.key;
  if (typeof key !== 'string') return;
  // checkKey (in the store) refuses '.' and '..' segments, so a key cannot climb out of it.
  if (!key.startsWith(`${address.deploymentId}/${address.stepId}/`)) return;
  try {
    await withRetries(() => inputs.delete(key));
  } catch (error) {
    log('warn', "could not delete the step's variables object; the inputs/ expiry will", {
      key,
      error: (error as Error).message,
    });
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
    messageSha256: string;
    /** The record's own log: its lines carry the step's address. */
    log: Log;
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
              options.log(
                'warn',
                'the step was taken over by another worker; no longer renewing its claim'
              );
            }
          },
          () => undefined
        );
      }
      void deps
        .setVisibility?.(record.receiptHandle, config.visibilityTimeoutSeconds)
        .catch(() => undefined);
    },
    Math.min(leaseEveryMs, (config.claimTtlSeconds * 1000) / 2)
  );
  try {
    const deadlineAt = Date.now() + deadline.getRemainingTimeInMillis() - config.deadlineMarginMs;
    return await runStep(options.value, pipelineDeps, {
      receivedAt: options.receivedAt,
      messageSha256: options.messageSha256,
      signal: cancel.signal,
      deadlineAt,
      onLog: (entry: LogEntry) => live.add(entry),
      onProgress: (progress) => live.add({ progress }),
      // Live chunks are a convenience; the result must not wait long for them.
      beforeResult: () =>
        Promise.race([live.flush(), new Promise<void>((r) => setTimeout(r, 2000).unref())]),
      ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    });
  } finally {
    clearInterval(poll);
    clearInterval(lease);
    await live.flush();
  }
}
