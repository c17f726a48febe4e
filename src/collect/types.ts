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

export interface AnnouncedArtifact {
  name: string;
  /** As the script announced it; resolved and checked when the step has ended. */
  path: string;
  length: number;
}

export interface ProgressUpdate {
  percentage: number;
  message: string;
}
