// The worker's two observability ports. The worker says what happened; the Lambda handler
// plugs in Powertools (JSON log lines, CloudWatch EMF metrics), tests an in-memory recorder.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** Why a delivery is handed back to the queue: a short fixed set, fit for a metric dimension. */
export type RetryReason =
  | 'store-error' // S3 failed past the store's own retries
  | 'claim-held' // another worker runs the step
  | 'no-time-left' // too little of the invocation left to run the step
  | 'unaddressable' // the message names no step: it goes to the dead-letter queue
  | 'worker-error'; // anything else (STS, the machine): retried like a store error

export type CountMetric =
  | 'StepsSucceeded'
  | 'StepsFailed'
  | 'StepsTimedOut'
  | 'StepsCancelled'
  | 'StepsRejected'
  | 'Retries'
  | 'UnaddressableMessages'
  | 'DigestMismatches';

export type TimeMetric = 'QueueWaitMs' | 'DurationMs';

export type Dimensions = Partial<Record<'Syntax' | 'Reason', string>>;

export interface Metrics {
  count(name: CountMetric, dimensions?: Dimensions): void;
  /** A duration in milliseconds. */
  value(name: TimeMetric, ms: number, dimensions?: Dimensions): void;
}

export interface RecordedMetric {
  name: CountMetric | TimeMetric;
  value: number;
  dimensions: Dimensions;
}

/** Metrics kept in memory, to assert on. */
export class MetricsRecorder implements Metrics {
  readonly recorded: RecordedMetric[] = [];

  count(name: CountMetric, dimensions: Dimensions = {}): void {
    this.recorded.push({ name, value: 1, dimensions });
  }

  value(name: TimeMetric, ms: number, dimensions: Dimensions = {}): void {
    this.recorded.push({ name, value: ms, dimensions });
  }

  /** How many times `name` was counted, optionally with these dimensions only. */
  total(name: CountMetric, dimensions: Dimensions = {}): number {
    return this.recorded.filter(
      (m) =>
        m.name === name &&
        Object.entries(dimensions).every(([k, v]) => m.dimensions[k as keyof Dimensions] === v)
    ).length;
  }
}
