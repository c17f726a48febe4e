// The step result, schema version 1 (schemas/result.schema.json is the published form).

import type { ResultError } from './errors';

export type StepStatus = 'succeeded' | 'failed' | 'timed-out' | 'rejected' | 'cancelled';

export type Stream = 'stdout' | 'stderr' | 'system';
export type Level = 'verbose' | 'info' | 'highlight' | 'wait' | 'warning' | 'error';

export interface LogEntry {
  stream: Stream;
  level: Level;
  text: string;
}

export interface OutputVariable {
  value: string;
  sensitive: boolean;
}

export interface ProgressUpdate {
  percentage: number;
  message: string;
}

/** One artifact in a result: stored, announced but absent, or refused by the path rules. */
export type ArtifactRecord =
  | { name: string; path: string; size: number; sha256: string; sourcePath: string }
  | { name: string; missing: true; sourcePath: string }
  | { name: string; refused: string; sourcePath: string };

export interface StepResult {
  schemaVersion: 1;
  deploymentId: string;
  stepId: string;
  stepName?: string;
  status: StepStatus;
  exitCode: number | null;
  failureMessage?: string;
  error?: ResultError;
  outputVariables: Record<string, OutputVariable>;
  artifacts: ArtifactRecord[];
  log: LogEntry[];
  /** Present when the log above was cut; the full masked log is in `logPath`. */
  logTruncated?: { entriesOmitted: number; bytesOmitted: number };
  logPath?: string;
  progress: ProgressUpdate[];
  /**
   * Present once the script was started: the timeout it asked for (or the default) and the one
   * it ran with, which is less when the worker had less time left (Lambda's 15 minutes).
   */
  timeout?: { requestedSeconds: number; effectiveSeconds: number };
  /** SHA-256 (hex) of the step message this result answers, when it came from a queue. */
  messageSha256?: string;
  timings: {
    queuedAt: string;
    startedAt: string | null;
    finishedAt: string;
    durationMs: number;
  };
}
