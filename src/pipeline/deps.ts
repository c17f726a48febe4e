import type { BootstrapInput, BootstrapPlan } from '../bootstrap/plan';
import { stepFolder } from '../bucket/layout';
import type { LogEntry, ProgressUpdate } from '../step/result';
import type { Attestor } from '../integrity/attestation';
import type { IntegrityCheck } from '../integrity/check';
import type { ObjectStore } from '../store/object-store';
import type { StepAddress, Syntax } from '../step/types';
import { DEFAULT_CONFIG, type PipelineConfig } from './config';
import type { StepHost } from './ports';

export type Bootstrapper = (input: BootstrapInput) => BootstrapPlan;

export interface PipelineDeps {
  inputs: ObjectStore;
  results: ObjectStore;
  host: StepHost;
  integrity?: IntegrityCheck;
  /** Signs attestation.json for every step (docs/integrity.md, "Attestations"). */
  attestor?: Attestor;
  bootstrappers?: Partial<Record<Syntax, Bootstrapper>>;
  config?: PipelineConfig;
  now?: () => Date;
  /** Where a step's bundle goes in `results`; by default `<deploymentId>/<stepId>/`. */
  prefixFor?: (address: StepAddress) => string;
}

export interface RunOptions {
  onLog?(entry: LogEntry): void;
  onProgress?(update: ProgressUpdate): void;
  /** Aborting cancels the step: the script is stopped and the result says cancelled. */
  signal?: AbortSignal;
  /**
   * When the script must be stopped at the latest (epoch ms), whatever its own timeout says:
   * Lambda's deadline less what storing the result needs. The grace period is taken off too.
   */
  deadlineAt?: number;
  /** When the step was accepted, if earlier than now (queue receipt). */
  receivedAt?: Date;
  /** Environment variables for this step's script alone (an assumed role's credentials). */
  extraEnv?: Record<string, string>;
  /** Called just before result.json is written (e.g. to flush a live log first). */
  beforeResult?(): Promise<void>;
  /** SHA-256 of the message as delivered, recorded in the result (see the worker). */
  messageSha256?: string;
  /** Timestamps of the pipeline's stages, for benchmarks. */
  mark?(stage: 'accepted' | 'spawned' | 'exited' | 'stored'): void;
}

export function clockOf(deps: PipelineDeps): () => Date {
  return deps.now ?? (() => new Date());
}

export function configOf(deps: PipelineDeps): PipelineConfig {
  return deps.config ?? DEFAULT_CONFIG;
}

/** The folder of a step's bundle in the result store. */
export function bundleFolder(deps: PipelineDeps, address: StepAddress): string {
  return (deps.prefixFor ?? stepFolder)(address);
}
