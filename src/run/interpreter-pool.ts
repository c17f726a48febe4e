import type { Syntax } from '../step/types';
import { ScriptProcess } from './script-process';

export interface Launcher {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * Keeps one interpreter per syntax started ahead of need. `take` hands out the waiting one
 * (or starts one cold when none is ready) and starts its replacement right away, so the
 * next step does not pay for the fork either. Each interpreter runs one step only.
 */
export class InterpreterPool {
  private readonly waiting = new Map<Syntax, ScriptProcess>();
  private closed = false;

  constructor(
    private readonly launcher: (syntax: Syntax) => Launcher,
    private readonly warm: boolean
  ) {}

  private start(syntax: Syntax): ScriptProcess {
    const l = this.launcher(syntax);
    return new ScriptProcess(l.command, l.args, l.env, l.cwd);
  }

  /** Starts a waiting interpreter for `syntax` if there is none. */
  prewarm(syntax: Syntax): void {
    if (!this.warm || this.closed) return;
    const current = this.waiting.get(syntax);
    if (current?.ready) return;
    current?.dispose();
    this.waiting.set(syntax, this.start(syntax).unref());
  }

  take(syntax: Syntax): { process: ScriptProcess; warm: boolean } {
    const waiting = this.waiting.get(syntax);
    this.waiting.delete(syntax);
    let process: ScriptProcess;
    let warm = false;
    if (waiting?.ready) {
      process = waiting;
      warm = true;
    } else {
      waiting?.dispose();
      process = this.start(syntax);
    }
    if (this.warm) setImmediate(() => this.prewarm(syntax));
    return { process, warm };
  }

  /** The pid of the interpreter waiting for `syntax`, if one is. */
  waitingPid(syntax: Syntax): number | undefined {
    const waiting = this.waiting.get(syntax);
    return waiting?.ready ? waiting.pid : undefined;
  }

  close(): void {
    this.closed = true;
    for (const p of this.waiting.values()) p.dispose();
    this.waiting.clear();
  }
}
