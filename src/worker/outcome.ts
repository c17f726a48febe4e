import type { StepResult } from '../step/result';
import type { StepAddress } from '../step/types';
import type { RetryReason } from './observe';

/** What became of one delivery: the batch deletes it, or hands it back to the queue. */
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
