// The log, output-variable and progress types are the result's (src/step/result.ts).
export type { Level, LogEntry, OutputVariable, ProgressUpdate, Stream } from '../step/result';

export interface AnnouncedArtifact {
  name: string;
  /** As the script announced it; resolved and checked when the step has ended. */
  path: string;
  length: number;
}
