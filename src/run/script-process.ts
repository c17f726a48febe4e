import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ExecutionOutcome, ExecutionRequest } from '../pipeline/ports';
import { LineSplitter } from './line-splitter';
import { newStepToken, STEP_TOKEN_VARIABLE, sweepStep } from './step-sweep';

/** The pipeline's request, the interpreter already chosen: it is handed the bootstrap to run. */
export type RunRequest = Omit<ExecutionRequest, 'syntax' | 'entry'> & {
  /** Written to the interpreter's stdin, which is then closed: the launcher's one line. */
  handOff: string;
};

/** Process groups still alive, so an exiting worker can take them down with it. */
const liveGroups = new Set<number>();
/** The markers of steps not yet swept, for the same reason. */
const liveTokens = new Set<string>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Kills every script process group this worker started. For the CLI's signal handlers. */
export function killAllGroups(): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  for (const token of liveTokens) sweepStep(token);
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * An interpreter started in its own process group, waiting on stdin for the one line that
 * tells it which step to run. Started ahead of need, it takes Node's fork cost off the
 * step's path; started on demand, it is an ordinary cold start. Either way it runs exactly
 * one step, and however that ends the whole group is killed before `run` settles.
 */
export class ScriptProcess {
  private readonly child: Child;
  private exit: { code: number | null; signal: string | null } | undefined;
  private readonly early: Array<['stdout' | 'stderr', string]> = [];
  private onLine: RunRequest['onLine'] | undefined;
  private openStreams = 2;
  private readonly settled: Promise<void>;
  private used = false;

  constructor(command: string, args: string[], env: Record<string, string>, cwd: string) {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', killAllGroups);
    }
    const token = newStepToken();
    liveTokens.add(token);
    this.child = spawn(command, args, {
      cwd,
      env: { ...env, [STEP_TOKEN_VARIABLE]: token },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pid = this.child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    this.child.stdin.on('error', () => {
      // EPIPE: the interpreter died before its step arrived; run() reports it.
    });
    let closeStreams!: () => void;
    const streamsClosed = new Promise<void>((resolve) => (closeStreams = resolve));
    for (const name of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter((line) => {
        if (this.onLine) this.onLine(name, line);
        else this.early.push([name, line]);
      });
      this.child[name].on('data', (chunk: Buffer) => splitter.push(chunk));
      this.child[name].on('close', () => {
        splitter.end();
        if (--this.openStreams === 0) closeStreams();
      });
    }
    const exited = new Promise<void>((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        // Background children die with the script: nothing outlives the step.
        if (pid !== undefined) killGroup(pid, 'SIGKILL');
        // Those that left the group (setsid, a double fork) by the marker they inherited.
        sweepStep(token);
        // A process that left the group may hold a pipe open; do not wait for it forever.
        setTimeout(() => {
          this.child.stdout.destroy();
          this.child.stderr.destroy();
        }, 2000).unref();
        resolve();
      });
      this.child.on('error', () => {
        this.exit ??= { code: null, signal: null };
        this.child.stdout.destroy();
        this.child.stderr.destroy();
        resolve();
      });
    });
    this.settled = Promise.all([exited, streamsClosed]).then(() => {
      // Again: one may have forked while the streams drained. Only then is the step over.
      sweepStep(token);
      liveTokens.delete(token);
      if (pid !== undefined) liveGroups.delete(pid);
    });
  }

  /** Lets a waiting interpreter not keep the worker alive. */
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as { unref?: () => void }).unref?.();
    }
    return this;
  }

  /** Still waiting for a step, with no sign of trouble. */
  get ready(): boolean {
    return (
      !this.used &&
      this.exit === undefined &&
      this.child.pid !== undefined &&
      this.early.length === 0
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async run(request: RunRequest): Promise<ExecutionOutcome> {
    if (this.used) throw new Error('An interpreter runs exactly one step');
    this.used = true;
    const pid = this.child.pid;
    this.child.ref();
    for (const s of [this.child.stdout, this.child.stderr]) {
      (s as unknown as { ref?: () => void }).ref?.();
    }
    this.onLine = request.onLine;
    for (const [stream, line] of this.early.splice(0)) request.onLine(stream, line);

    let timedOut = false;
    let cancelled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = (reason: 'timeout' | 'cancel') => {
      if (this.exit || pid === undefined) return;
      if (reason === 'timeout') timedOut = true;
      else cancelled = true;
      killGroup(pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), request.graceMs);
    };
    const timeoutTimer = setTimeout(() => stop('timeout'), request.timeoutMs);
    const onAbort = () => stop('cancel');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    this.child.stdin.end(request.handOff);
    if (pid !== undefined) request.onStart?.(pid);
    if (request.signal?.aborted) stop('cancel');

    try {
      await this.settled;
    } finally {
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      request.signal?.removeEventListener('abort', onAbort);
    }
    const exit = this.exit ?? { code: null, signal: null };
    return { exitCode: exit.code, signal: exit.signal, timedOut, cancelled };
  }

  /** Ends an interpreter that will not be used. */
  dispose(): void {
    if (this.child.pid !== undefined) killGroup(this.child.pid, 'SIGKILL');
  }
}
