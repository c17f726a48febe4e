import { spawn } from 'node:child_process';
import { LineSplitter } from './line-splitter';

export interface RunRequest {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Between TERM and KILL when the timeout or a cancel stops the script. */
  graceMs: number;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** Aborting stops the script as a timeout does, but the outcome says cancelled. */
  signal?: AbortSignal;
  onSpawn?(pid: number): void;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
}

/** Process groups still alive, so an exiting worker can take them down with it. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

/** Kills every script process group this worker started. For signal handlers of the CLI. */
export function killAllGroups(): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
}

/**
 * Runs one interpreter in its own process group with stdout and stderr streamed line by
 * line. However it ends, the whole group is killed before the promise settles.
 */
export function runProcess(request: RunRequest): Promise<RunOutcome> {
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(request.command, request.args, {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let cancelled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let openStreams = 2;
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const pid = child.pid;

    const stop = (reason: 'timeout' | 'cancel') => {
      if (exit || pid === undefined) return;
      if (reason === 'timeout') timedOut = true;
      else cancelled = true;
      killGroup(pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), request.graceMs);
    };
    const timeoutTimer = setTimeout(() => stop('timeout'), request.timeoutMs);
    const onAbort = () => stop('cancel');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (!exit || openStreams > 0) return;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      request.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) liveGroups.delete(pid);
      resolve({ exitCode: exit.code, signal: exit.signal, timedOut, cancelled });
    };

    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      const splitter = new LineSplitter((line) => request.onLine(name, line));
      stream.on('data', (chunk: Buffer) => splitter.push(chunk));
      stream.on('close', () => {
        splitter.end();
        openStreams--;
        finish();
      });
    }

    child.on('error', (error) => {
      clearTimeout(timeoutTimer);
      if (pid !== undefined) {
        killGroup(pid, 'SIGKILL');
        liveGroups.delete(pid);
      }
      reject(error);
    });

    child.on('spawn', () => {
      if (pid === undefined) return;
      liveGroups.add(pid);
      request.onSpawn?.(pid);
      if (request.signal?.aborted) stop('cancel');
    });

    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Background children die with the script: nothing outlives the step.
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      // A process that left the group may still hold a pipe; do not wait for it forever.
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2000);
      finish();
    });
  });
}
