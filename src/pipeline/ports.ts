// What the pipeline needs from the machine a step runs on. Declared here, by its user;
// src/run/local-host.ts implements it with child processes and private directories.

import type { EnvironmentInfo, PlannedFile, StepDirs } from '../bootstrap/plan';
import type { Syntax } from '../step/types';

export interface ExecutionRequest {
  syntax: Syntax;
  /** The bootstrap file the interpreter runs. */
  entry: string;
  timeoutMs: number;
  /** Between TERM and KILL when the timeout or a cancel stops the script. */
  graceMs: number;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** Aborting stops the script as a timeout does, but the outcome says cancelled. */
  signal?: AbortSignal;
  /** Called once the step has been handed to the interpreter. */
  onStart?(pid: number): void;
}

export interface ExecutionOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
}

export type ResolvedArtifact =
  | { kind: 'file'; realPath: string; size: number; sha256: string }
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string; /** Set when refused for its size alone. */ size?: number };

export interface LogSink {
  append(line: string): void;
  /** The whole log: in memory while small, else the path of the file it spilled to. */
  close(): Promise<Buffer | string>;
}

/** Everything the pipeline needs from the machine a step runs on. */
export interface StepHost {
  prepare(): Promise<StepDirs>;
  writeFiles(files: PlannedFile[]): Promise<void>;
  execute(request: ExecutionRequest): Promise<ExecutionOutcome>;
  resolveArtifact(
    dirs: StepDirs,
    announcedPath: string,
    maxBytes: number
  ): Promise<ResolvedArtifact>;
  openLog(dirs: StepDirs): LogSink;
  cleanup(dirs: StepDirs): Promise<void>;
  /** Deletes files at once (variables read by the bootstrap); missing ones are fine. */
  discard(files: string[]): void;
  environmentInfo(): EnvironmentInfo;
  /** Ends interpreters started ahead of need. */
  close?(): void;
}
