// Which key holds what in the bucket (docs/architecture.md, "Key layout in the bucket"). Pure:
// the worker, the pipeline, the CLI, the local stack and the tests all spell keys through it.

import { safeArtifactFileName } from '../collect/artifact-path';
import type { StepAddress, Syntax } from '../step/types';

/** Step inputs (scripts, variables, modules): what messages name by key, below this prefix. */
export const INPUTS_PREFIX = 'inputs/';

/** Result bundles, below this prefix: `results/<deploymentId>/<stepId>/`. */
export const RESULTS_PREFIX = 'results/';

/**
 * A step's own folder, `<deploymentId>/<stepId>/`, below either prefix: its bundle under
 * results/, the inputs `tidepool submit` uploads under inputs/.
 */
export function stepFolder(address: StepAddress): string {
  return `${address.deploymentId}/${address.stepId}/`;
}

/** Whether an input key lies in the step's own folder (not one other steps may share). */
export function isInStepFolder(key: string, address: StepAddress): boolean {
  return key.startsWith(stepFolder(address));
}

// The result bundle. Each key is relative to the results store; `folder` is the bundle's
// folder (stepFolder, or wherever a pipeline's prefixFor puts it).

/** The result (schemas/result.schema.json); written last, in one PUT. */
export function resultKey(folder: string): string {
  return `${folder}result.json`;
}

/** The full masked log. */
export function logKey(folder: string): string {
  return `${folder}log.txt`;
}

/** The n-th live chunk (from 1) of the log while the step runs, one JSON record per line. */
export function liveChunkKey(folder: string, n: number): string {
  return `${folder}live/${String(n).padStart(6, '0')}.jsonl`;
}

/** Which worker runs the step, until when, for which message. */
export function claimKey(folder: string): string {
  return `${folder}claim.json`;
}

/** A cancel request (`tidepool cancel`). */
export function cancelKey(folder: string): string {
  return `${folder}cancel.json`;
}

/** The signed attestation of what ran, when the worker is configured to sign one. */
export function attestationKey(folder: string): string {
  return `${folder}attestation.json`;
}

/** The n-th collected artifact (from 1), under a file name safe in any store. */
export function artifactKey(folder: string, n: number, name: string): string {
  return `${folder}artifacts/${n}-${safeArtifactFileName(name)}`;
}

// Inputs as `tidepool submit` uploads them, relative to the inputs store.

const SCRIPT_EXTENSION: Record<Syntax, string> = { bash: 'sh', powershell: 'ps1' };
const MODULE_EXTENSION: Record<Syntax, string> = { bash: 'sh', powershell: 'psm1' };

export function scriptInputKey(folder: string, syntax: Syntax): string {
  return `${folder}script.${SCRIPT_EXTENSION[syntax]}`;
}

/** A bash script's detached SSH signature lies beside it. */
export function signatureKey(scriptKey: string): string {
  return `${scriptKey}.sig`;
}

export function variablesInputKey(folder: string): string {
  return `${folder}variables.json`;
}

/** The n-th module (from 1). */
export function moduleInputKey(folder: string, n: number, syntax: Syntax): string {
  return `${folder}modules/${n}.${MODULE_EXTENSION[syntax]}`;
}
