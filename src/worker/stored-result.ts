import { isInStepFolder, resultKey } from '../bucket/layout';
import type { StepResult } from '../step/result';
import type { ObjectStore } from '../store/object-store';
import type { StepAddress } from '../step/types';
import type { WorkerDeps } from './deps';
import type { Log } from './observe';
import type { RecordOutcome } from './outcome';
import { withRetries } from './retry';

/** The step's stored result, if it has one. */
export async function readStoredResult(
  results: ObjectStore,
  folder: string
): Promise<StepResult | undefined> {
  const body = await results.get(resultKey(folder), 64 << 20);
  return body ? (JSON.parse(body.toString('utf8')) as StepResult) : undefined;
}

export interface Delivery {
  value: unknown;
  address: StepAddress;
  syntax: string;
  messageSha256: string;
}

/**
 * A delivery whose step already has a result. The same message (a duplicate delivery) is
 * answered by it; a different message under the same ids is not: it is someone re-using an
 * id, and answering it with another step's result would be a silent wrong answer.
 */
export async function answerFromStored(
  stored: StepResult,
  delivery: Delivery,
  inputs: WorkerDeps['inputs'],
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
  await deleteVariables(delivery.value, address, inputs, log);
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
 * that dies mid-step leaves the inputs for the retry. Only an object in the step's own inputs
 * folder `<deploymentId>/<stepId>/`, where `tidepool submit` puts it: a variables object
 * elsewhere may be shared by other steps (an environment's settings uploaded once and named by
 * many messages), which would then fail with input-missing. Never fails the step.
 */
export async function deleteVariables(
  value: unknown,
  address: StepAddress,
  inputs: WorkerDeps['inputs'],
  log: Log
): Promise<void> {
  const key = (value as { variables?: { key?: unknown } } | null)?.variables?.key;
  if (typeof key !== 'string') return;
  // checkKey (in the store) refuses '.' and '..' segments, so a key cannot climb out of it.
  if (!isInStepFolder(key, address)) return;
  try {
    await withRetries(() => inputs.delete(key));
  } catch (error) {
    log('warn', "could not delete the step's variables object; the inputs/ expiry will", {
      key,
      error: (error as Error).message,
    });
  }
}
