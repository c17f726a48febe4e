// Store: log.txt, then result.json in one PUT (a reader never sees half a result), then the
// attestation when the worker signs one. Also the result of a step that never ran.

import { logKey, resultKey } from '../../bucket/layout';
import { storeAttestation } from '../../integrity/attestation';
import type { IntegrityVerdict } from '../../integrity/check';
import type { ResultError } from '../../step/errors';
import type { LogEntry, StepResult } from '../../step/result';
import type { StepAddress, StepMessage } from '../../step/types';
import { bundleFolder, clockOf, type PipelineDeps, type RunOptions } from '../deps';
import { formatLogLine } from '../log-buffer';
import type { Collected } from './collect';
import type { Rendered } from './render';
import type { ScriptRun } from './run';

export interface Finished {
  step: StepMessage;
  queuedAt: Date;
  verdict: IntegrityVerdict;
  rendered: Rendered;
  run: ScriptRun;
  collected: Collected;
}

export async function storeResult(
  f: Finished,
  folder: string,
  deps: PipelineDeps,
  options: RunOptions
): Promise<StepResult> {
  const closed = await closeLog(f.run, clockOf(deps));
  const logAt = logKey(folder);
  const log = closed.log;
  if (typeof log === 'string') await deps.results.putFile(logAt, log, 'text/plain; charset=utf-8');
  else await deps.results.put(logAt, log, 'text/plain; charset=utf-8');

  const ran = resultOf(f, deps.results.locate(logAt), clockOf(deps)(), options.messageSha256);
  const result = closed.failure ? logLost(ran, closed.failure) : ran;
  await options.beforeResult?.();
  await putResult(deps, folder, result);
  if (deps.attestor) {
    await storeAttestation(deps.attestor, deps.results, folder, {
      step: f.step,
      verdict: f.verdict,
      variables: f.rendered.vars,
      rendered: f.rendered.script,
      result,
    });
  }
  options.mark?.('stored');
  return result;
}

/**
 * The step's log as the host kept it. A host that could not write it (its disk full) fails
 * the step, not the delivery: the script has run, so its result is stored, with log.txt made
 * from the part of the log result.json holds, and is never run again.
 */
async function closeLog(
  run: ScriptRun,
  now: () => Date
): Promise<{ log: Buffer | string; failure?: LogEntry }> {
  try {
    return { log: await run.logFile.close() };
  } catch (error) {
    const failure: LogEntry = {
      stream: 'system',
      level: 'error',
      text: `The step's log could not be written on the worker (${(error as Error).message}): log.txt holds only what result.json does`,
    };
    const at = now();
    const entries = [...run.buffer.finish('log.txt'), failure];
    const lines = entries.map((entry) => formatLogLine(at, entry) + '\n');
    return { log: Buffer.from(lines.join(''), 'utf8'), failure };
  }
}

/** A step whose log was lost on the worker did not succeed, whatever its exit code. */
function logLost(result: StepResult, failure: LogEntry): StepResult {
  const status = result.status === 'succeeded' ? 'failed' : result.status;
  return { ...result, status, log: [...result.log, failure] };
}

/** result.json of a step that ran. */
function resultOf(
  f: Finished,
  logPath: string,
  finishedAt: Date,
  messageSha256: string | undefined
): StepResult {
  const { step, run, collected } = f;
  const { collector, buffer, startedAt } = run;
  const { decision } = collected;
  return {
    schemaVersion: 1,
    deploymentId: step.deploymentId,
    stepId: step.stepId,
    stepName: step.stepName ?? step.stepId,
    status: decision.status,
    exitCode: decision.exitCode,
    ...(collector.resultMessage !== undefined ? { failureMessage: collector.resultMessage } : {}),
    ...(decision.error ? { error: decision.error } : {}),
    outputVariables: collected.outputVariables,
    artifacts: collected.artifacts,
    log: buffer.finish('log.txt'),
    ...(buffer.entriesOmitted > 0
      ? {
          logTruncated: {
            entriesOmitted: buffer.entriesOmitted,
            bytesOmitted: buffer.bytesOmitted,
          },
        }
      : {}),
    logPath,
    progress: collector.progress,
    timeout: run.timeout,
    ...(messageSha256 ? { messageSha256 } : {}),
    timings: {
      queuedAt: f.queuedAt.toISOString(),
      startedAt: startedAt ? startedAt.toISOString() : null,
      finishedAt: finishedAt.toISOString(),
      durationMs: startedAt ? finishedAt.getTime() - startedAt.getTime() : 0,
    },
  };
}

/** A step the integrity policy refused: its result, and the attestation of the refusal. */
export async function storeIntegrityRejection(
  step: StepMessage,
  verdict: IntegrityVerdict & { allowed: false },
  queuedAt: Date,
  deps: PipelineDeps,
  messageSha256: string | undefined
): Promise<StepResult> {
  const error: ResultError = { code: 'integrity', message: verdict.reason };
  const result = await storeUnrun(deps, step, 'rejected', queuedAt, error, deps.now, messageSha256);
  if (deps.attestor) {
    await storeAttestation(deps.attestor, deps.results, bundleFolder(deps, step), {
      step,
      verdict,
      result,
    });
  }
  return result;
}

/** Stores the result of a step that never ran: rejected, or cancelled before it started. */
export async function storeUnrun(
  deps: PipelineDeps,
  address: StepAddress,
  status: 'rejected' | 'cancelled',
  queuedAt: Date,
  error: ResultError,
  now: () => Date = () => new Date(),
  messageSha256?: string
): Promise<StepResult> {
  const finishedAt = now();
  const result: StepResult = {
    schemaVersion: 1,
    deploymentId: address.deploymentId,
    stepId: address.stepId,
    status,
    exitCode: null,
    error,
    outputVariables: {},
    artifacts: [],
    log: [{ stream: 'system', level: 'error', text: error.message }],
    progress: [],
    ...(messageSha256 ? { messageSha256 } : {}),
    timings: {
      queuedAt: queuedAt.toISOString(),
      startedAt: null,
      finishedAt: finishedAt.toISOString(),
      durationMs: 0,
    },
  };
  await putResult(deps, bundleFolder(deps, address), result);
  return result;
}

function putResult(deps: PipelineDeps, folder: string, result: StepResult): Promise<void> {
  return deps.results.put(resultKey(folder), JSON.stringify(result, null, 2), 'application/json');
}
