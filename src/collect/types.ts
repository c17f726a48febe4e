// What the collector gathers beside the result's own types (log entries, output variables and
// progress are the result's: src/step/result.ts).

export interface AnnouncedArtifact {
  name: string;
  /** As the script announced it; resolved and checked when the step has ended. */
  path: string;
  length: number;
}
