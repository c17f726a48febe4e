// The one pipeline behind the CLI and the Lambda handler:
// resolve → integrity → render → bootstrap → run → collect → store, one file per stage.

import { InputError } from '../step/errors';
import type { StepResult } from '../step/result';
import type { StepMessage } from '../step/types';
import { formatProblems, validateStep } from '../step/validate';
import { bundleFolder, clockOf, configOf, type PipelineDeps, type RunOptions } from './deps';
import { bootstrapperFor, writeBootstrap } from './stages/bootstrap';
import { collectOutputs } from './stages/collect';
import { checkIntegrity } from './stages/integrity';
import { renderStep } from './stages/render';
import { previousOutputs, resolveInputs } from './stages/resolve';
import { runScript } from './stages/run';
import { storeIntegrityRejection, storeResult, storeUnrun } from './stages/store';

export class UnaddressableMessageError extends Error {
  override readonly name = 'UnaddressableMessageError';
}

/**
 * Runs one step message and stores its result. An invalid message that names its ids, or an
 * input the step cannot run with, is a stored `rejected` result; only a message without ids
 * throws (UnaddressableMessageError), as do failures of the stores and the host.
 */
export async function runStep(
  message: unknown,
  deps: PipelineDeps,
  options: RunOptions = {}
): Promise<StepResult> {
  options.mark?.('accepted');
  const now = clockOf(deps);
  const receivedAt = options.receivedAt ?? now();
  const parsed = validateStep(message);
  if (!parsed.ok) {
    const text = `Invalid step message: ${formatProblems(parsed.problems)}`;
    if (!parsed.address) throw new UnaddressableMessageError(text);
    const error = { code: 'invalid-message', message: text } as const;
    return storeUnrun(
      deps,
      parsed.address,
      'rejected',
      receivedAt,
      error,
      now,
      options.messageSha256
    );
  }
  const step = parsed.step;
  const queuedAt = step.queuedAt ? new Date(step.queuedAt) : receivedAt;
  try {
    return await runValid(step, queuedAt, deps, options);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const rejection = { code: error.code, message: error.message };
    return storeUnrun(deps, step, 'rejected', queuedAt, rejection, now, options.messageSha256);
  }
}

async function runValid(
  step: StepMessage,
  queuedAt: Date,
  deps: PipelineDeps,
  options: RunOptions
): Promise<StepResult> {
  const acceptedAt = Date.now();
  const inputs = await resolveInputs(step, deps);
  const verdict = await checkIntegrity(step, inputs, deps);
  if (!verdict.allowed) {
    return storeIntegrityRejection(step, verdict, queuedAt, deps, options.messageSha256);
  }
  const previous = await previousOutputs(step, deps);
  const rendered = renderStep({
    step,
    script: inputs.script.text,
    variables: { ...previous, ...inputs.variables },
    modules: inputs.modules,
    verbatim: verdict.report?.verbatim === true,
    expansionChars: configOf(deps).limits.expansionChars,
  });
  const bootstrapper = bootstrapperFor(step.syntax, deps);

  const dirs = await deps.host.prepare();
  try {
    const plan = await writeBootstrap(bootstrapper, rendered, dirs, deps, options.extraEnv);
    const input = { step, plan, masker: rendered.masker, dirs, notes: verdict.notes, acceptedAt };
    const run = await runScript(input, deps, options);
    const folder = bundleFolder(deps, step);
    const collected = await collectOutputs(run, rendered.vars, dirs, folder, deps);
    const finished = { step, queuedAt, verdict, rendered, run, collected };
    return await storeResult(finished, folder, deps, options);
  } finally {
    // The result is stored by now: a directory that cannot be deleted must not replace it.
    await deps.host.cleanup(dirs).catch((error: unknown) => {
      process.emitWarning(`Could not delete step directory: ${(error as Error).message}`);
    });
  }
}
