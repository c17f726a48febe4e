export interface Limits {
  scriptBytes: number;
  variablesBytes: number;
  moduleBytes: number;
  artifactBytes: number;
  artifactCount: number;
  /** All of a step's artifacts together, by apparent size (a sparse file counts in full). */
  artifactTotalBytes: number;
  /** How much of the log result.json carries; log.txt always has all of it. */
  logEntries: number;
  logBytes: number;
  /** log.txt itself; past it a marker says where it stops. */
  logFileBytes: number;
  /**
   * Characters all of a step's `#{...}` substitutions may produce, at every level of variables
   * expanding variables, before the step is rejected: a few KB of values can grow exponentially.
   */
  expansionChars: number;
}

export interface PipelineConfig {
  defaultTimeoutSeconds: number;
  /** Between TERM and KILL when a step is stopped. */
  graceMs: number;
  limits: Limits;
}

export const DEFAULT_CONFIG: PipelineConfig = {
  defaultTimeoutSeconds: 3600,
  graceMs: 5000,
  limits: {
    scriptBytes: 4 << 20,
    variablesBytes: 16 << 20,
    moduleBytes: 4 << 20,
    artifactBytes: 1 << 30,
    artifactCount: 1000,
    artifactTotalBytes: 2 * 1024 ** 3,
    logEntries: 10_000,
    logBytes: 4 << 20,
    logFileBytes: 256 << 20,
    expansionChars: 16 << 20,
  },
};
