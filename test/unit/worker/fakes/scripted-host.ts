import type { PlannedFile, StepDirs } from '../../../../src/bootstrap/plan';
import type {
  ExecutionOutcome,
  ExecutionRequest,
  LogSink,
  ResolvedArtifact,
  StepHost,
} from '../../../../src/pipeline/ports';

export interface Script {
  /** What the "script" prints, on stdout unless given as [stream, line]. */
  lines?: Array<string | ['stdout' | 'stderr', string]>;
  exitCode?: number;
}

/**
 * A StepHost that starts no process: `execute` hands the pipeline the scripted lines and exit
 * code at once. It records what it was asked to write and run.
 */
export class ScriptedHost implements StepHost {
  readonly executed: ExecutionRequest[] = [];
  readonly written: PlannedFile[] = [];
  readonly cleaned: StepDirs[] = [];
  private steps = 0;

  constructor(private readonly script: Script = {}) {}

  async prepare(): Promise<StepDirs> {
    const root = `/fake/step-${++this.steps}`;
    return { work: `${root}/work`, boot: `${root}/boot`, home: `${root}/home`, tmp: `${root}/tmp` };
  }

  async writeFiles(files: PlannedFile[]): Promise<void> {
    this.written.push(...files);
  }

  async execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    this.executed.push(request);
    request.onStart?.(4242);
    for (const line of this.script.lines ?? []) {
      const [stream, text] = typeof line === 'string' ? (['stdout', line] as const) : line;
      request.onLine(stream, text);
    }
    return { exitCode: this.script.exitCode ?? 0, signal: null, timedOut: false, cancelled: false };
  }

  async resolveArtifact(): Promise<ResolvedArtifact> {
    return { kind: 'missing' };
  }

  openLog(): LogSink {
    const lines: string[] = [];
    return {
      append: (line) => void lines.push(line),
      close: async () => Buffer.from(lines.map((l) => `${l}\n`).join('')),
    };
  }

  async cleanup(dirs: StepDirs): Promise<void> {
    this.cleaned.push(dirs);
  }

  discard(): void {}

  environmentInfo() {
    return {
      operatingSystem: 'Fake 1.0',
      currentUser: 'tester',
      hostName: 'fake',
      processorCount: 1,
    };
  }
}
