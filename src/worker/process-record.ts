import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { cancelKey, claimKey, stepFolder } from '../bucket/layout';
import { DEFAULT_CONFIG } from '../pipeline/config';
import type { StepResult } from '../step/result';
import type { PipelineDeps } from '../pipeline/deps';
import { runStep } from '../pipeline/run-step';
import { storeUnrun } from '../pipeline/stages/store';
import { StoreError } from '../store/store-error';
import type { StepMessage } from '../step/types';
import { addressOf, validateStep, type StepParse } from '../step/validate';
import { afterClaimSeconds } from './backoff';
import { Claims } from './claims';
import type { Deadline, WorkerDeps } from './deps';
import type { Log } from './observe';
import type { RecordOutcome } from './outcome';
import { RetryingStore } from './retrying-store';
import { runWatched } from './run-watched';
import {
  answerFromStored,
  deleteVariables,
  readStoredResult,
  type Delivery,
} from './stored-result';

const MAX_BODY_BYTES = 1 << 20;

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
  // Every line about this record carries the step's address.
  const log: Log = (level, message, fields) =>
    base(level, message, { ...address, messageId: record.messageId, ...fields });
  const delivery: Delivery = { value, address, syntax: syntaxOf(value), messageSha256 };

  const parsed = validateStep(value);
  const tooLate = noTimeLeft(deps, parsed.ok ? parsed.step : undefined, deadline);
  if (tooLate) return { ...tooLate, address };

  try {
    return await claimAndRun(record, delivery, parsed, deps, deadline, log);
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
 * Never start what cannot finish: a step killed at once would be stored as a permanent
 * timed-out. Given back at once instead, for an invocation with time to run it.
 */
function noTimeLeft(
  deps: WorkerDeps,
  step: StepMessage | undefined,
  deadline: Deadline
): Extract<RecordOutcome, { kind: 'retry' }> | undefined {
  const runMs = step
    ? DEFAULT_CONFIG.graceMs +
      Math.min(
        deps.config.minRunSeconds,
        step.timeoutSeconds ?? DEFAULT_CONFIG.defaultTimeoutSeconds
      ) *
        1000
    : 0;
  const needMs = deps.config.deadlineMarginMs + runMs;
  const leftMs = deadline.getRemainingTimeInMillis();
  if (leftMs >= needMs) return undefined;
  return {
    kind: 'retry',
    reason: `only ${Math.max(0, Math.round(leftMs / 1000))} s left of this invocation; the step needs ${Math.ceil(needMs / 1000)} s to start`,
    category: 'no-time-left',
    visibilitySeconds: 0,
  };
}

/** Everything after the time check; a thrown error hands the delivery back. */
async function claimAndRun(
  record: SQSRecord,
  delivery: Delivery,
  parsed: StepParse,
  deps: WorkerDeps,
  deadline: Deadline,
  log: Log
): Promise<RecordOutcome> {
  const { value, address, syntax, messageSha256 } = delivery;
  const folder = stepFolder(address);
  const results = new RetryingStore(deps.results);
  const pipelineDeps: PipelineDeps = {
    inputs: new RetryingStore(deps.inputs),
    results,
    host: deps.host,
    ...(deps.integrity ? { integrity: deps.integrity } : {}),
  };
  const receivedAt = new Date(Number(record.attributes?.SentTimestamp) || Date.now());
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
  const unrun = (
    status: 'cancelled' | 'rejected',
    error: { code: 'cancelled' | 'role-not-allowed'; message: string }
  ): Promise<StepResult> =>
    storeUnrun(pipelineDeps, address, status, receivedAt, error, undefined, messageSha256);

  const stored = await readStoredResult(results, folder);
  if (stored) return await answerFromStored(stored, delivery, deps.inputs, log);
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
  const claim = await claims.acquire(claimKey(folder));
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
    const finished = await readStoredResult(results, folder);
    if (finished) return await answerFromStored(finished, delivery, deps.inputs, log);
    if (await results.get(cancelKey(folder), 64 * 1024)) {
      const result = await unrun('cancelled', {
        code: 'cancelled',
        message: 'The step was cancelled before it started.',
      });
      return await done(result, false);
    }

    let extraEnv: Record<string, string> | undefined;
    if (step.scriptRoleArn) {
      const allowed = deps.config.allowedScriptRoles?.test(step.scriptRoleArn) ?? false;
      if (!allowed || !deps.assumeRole) {
        const result = await unrun('rejected', {
          code: 'role-not-allowed',
          message: `/scriptRoleArn: this worker may not assume '${step.scriptRoleArn}' (see TIDEPOOL_ALLOWED_SCRIPT_ROLES)`,
        });
        return await done(result, false);
      }
      extraEnv = await deps.assumeRole(step.scriptRoleArn, address);
    }

    const result = await runWatched(folder, record, deps, pipelineDeps, claims, deadline, {
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
    await deps.results.delete(claimKey(folder)).catch(() => undefined);
    throw error;
  }
}
