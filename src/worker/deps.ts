import type { IntegrityCheck } from '../integrity/check';
import type { StepHost } from '../pipeline/ports';
import type { BucketStore, ClaimsStore } from '../store/claims-store';
import type { ObjectStore } from '../store/object-store';
import type { StepAddress } from '../step/types';
import type { WorkerConfig } from './config';
import type { Log, Metrics } from './observe';

/**
 * What the worker runs on, all of it ports: built from the environment by src/compose for the
 * Lambda handler and `tidepool serve` alike, and from in-memory fakes by the unit tests.
 */
export interface WorkerDeps {
  config: WorkerConfig;
  /** Step inputs; the worker deletes a step's own variables object once its result is stored. */
  inputs: ObjectStore & Pick<ClaimsStore, 'delete'>;
  /** Result bundles, claims and cancel requests. */
  results: BucketStore;
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

/** How much of the invocation is left (Lambda's context, or the local stack's stand-in). */
export interface Deadline {
  getRemainingTimeInMillis(): number;
}
