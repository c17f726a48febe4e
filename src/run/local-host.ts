import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  promises as fs,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isInside } from '../collect/artifact-path';
import type { EnvironmentInfo, PlannedFile, StepDirs } from '../bootstrap/plan';
import type {
  ExecutionOutcome,
  ExecutionRequest,
  LogSink,
  ResolvedArtifact,
  StepHost,
} from '../pipeline/ports';
import type { Syntax } from '../step/types';
import { LAYER_BIN, locateInterpreter } from './interpreters';
import { LAUNCHER_ARGS } from '../bootstrap/launchers';
import { InterpreterPool } from './interpreter-pool';
import { baseEnvironment } from './script-environment';

/** Past this a step's full log goes to a file instead of memory. */
const LOG_SPILL_BYTES = 8 << 20;

/**
 * The script-runtime layer's bin/ that scripts should find first on PATH: /opt/bin on Lambda,
 * or the layer an interpreter was located in (a layer tree has share/tidepool/layer.json).
 */
export function layerBinFor(interpreter: string): string | undefined {
  const bin = path.dirname(interpreter);
  if (existsSync(path.join(bin, '..', 'share', 'tidepool', 'layer.json'))) return bin;
  return existsSync(LAYER_BIN) ? LAYER_BIN : undefined;
}

async function restoreWriteAccess(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700).catch(() => undefined);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) await restoreWriteAccess(path.join(dir, entry.name));
  }
}

/** Step directories not yet cleaned up, for a worker that must exit at once. */
const liveStepRoots = new Set<string>();

/** Deletes every step directory this worker still has (forced exit after killAllGroups). */
export function removeLiveStepDirsSync(): void {
  for (const root of liveStepRoots) rmSync(root, { recursive: true, force: true });
  liveStepRoots.clear();
}

/** Steps run as child processes of this worker, in private directories under `baseDir`. */
export class LocalHost implements StepHost {
  private readonly interpreters = new Map<Syntax, string>();
  private info: EnvironmentInfo | undefined;

  private readonly pool: InterpreterPool;

  /**
   * @param warm keep an interpreter started ahead of need for each syntax used (default on)
   */
  constructor(
    private readonly baseDir: string = os.tmpdir(),
    private readonly workerEnv: NodeJS.ProcessEnv = process.env,
    warm = true
  ) {
    this.pool = new InterpreterPool((syntax) => {
      const args = LAUNCHER_ARGS[syntax];
      if (!args) throw new Error(`No launcher for ${syntax} steps on this worker`);
      return {
        command: this.interpreter(syntax),
        args,
        env: baseEnvironment(layerBinFor(this.interpreter(syntax)), syntax),
        cwd: '/',
      };
    }, warm);
  }

  /** Starts an interpreter ahead of the first step (worker start). */
  prewarm(syntax: Syntax): void {
    this.pool.prewarm(syntax);
  }

  /** The pid of the interpreter waiting for `syntax`, for diagnostics and tests. */
  waitingPid(syntax: Syntax): number | undefined {
    return this.pool.waitingPid(syntax);
  }

  /** Ends the waiting interpreters. */
  close(): void {
    this.pool.close();
  }

  // Synchronous on purpose: a handful of tiny file operations on the step's hot path cost
  // less than the thread-pool round trips of their async forms.
  async prepare(): Promise<StepDirs> {
    mkdirSync(this.baseDir, { recursive: true });
    // mkdtemp makes the directory 0700: private to the worker's user.
    const root = mkdtempSync(path.join(this.baseDir, 'tidepool-step-'));
    liveStepRoots.add(root);
    const dirs: StepDirs = {
      work: path.join(root, 'work'),
      boot: path.join(root, 'boot'),
      home: path.join(root, 'home'),
      tmp: path.join(root, 'tmp'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { mode: 0o700 });
    return dirs;
  }

  async writeFiles(files: PlannedFile[]): Promise<void> {
    for (const f of files) writeFileSync(f.path, f.content, { mode: f.mode, flag: 'wx' });
  }

  interpreter(syntax: Syntax): string {
    let found = this.interpreters.get(syntax);
    if (!found) {
      found = locateInterpreter(syntax, this.workerEnv);
      this.interpreters.set(syntax, found);
    }
    return found;
  }

  execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const { process: interpreter } = this.pool.take(request.syntax);
    return interpreter.run({ ...request, handOff: `${request.entry}\n` });
  }

  async resolveArtifact(
    dirs: StepDirs,
    announcedPath: string,
    maxBytes: number
  ): Promise<ResolvedArtifact> {
    const candidate = path.resolve(dirs.work, announcedPath);
    let real: string;
    try {
      real = await fs.realpath(candidate);
    } catch {
      return { kind: 'missing' };
    }
    // Calamari collects any file the script can read; here a step's own working directory and
    // TMPDIR, never the worker's files beside them (the bootstrap, the variables).
    const roots = await Promise.all([dirs.work, dirs.tmp].map((d) => fs.realpath(d)));
    if (!roots.some((root) => isInside(root, real))) {
      return {
        kind: 'refused',
        reason: "the path is outside the step's working directory and its TMPDIR",
      };
    }
    const stat = await fs.stat(real);
    if (!stat.isFile()) return { kind: 'refused', reason: 'not a regular file' };
    if (stat.size > maxBytes) {
      return {
        kind: 'refused',
        reason: `${stat.size} bytes is over the limit of ${maxBytes}`,
        size: stat.size,
      };
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(real)) hash.update(chunk as Buffer);
    return { kind: 'file', realPath: real, size: stat.size, sha256: hash.digest('hex') };
  }

  openLog(dirs: StepDirs): LogSink {
    const file = path.join(dirs.boot, 'log.txt');
    let lines: string[] = [];
    let size = 0;
    let stream: ReturnType<typeof createWriteStream> | undefined;
    let failure: Error | undefined;
    return {
      append: (line) => {
        if (stream) {
          stream.write(line + '\n');
          return;
        }
        lines.push(line);
        size += line.length + 1;
        if (size > LOG_SPILL_BYTES) {
          stream = createWriteStream(file, { mode: 0o600 });
          // A full disk must not crash the worker: the failure is reported when the log closes.
          stream.on('error', (error) => (failure ??= error));
          stream.write(lines.join('\n') + '\n');
          lines = [];
        }
      },
      close: () => {
        const spilled = stream;
        if (!spilled) {
          return Promise.resolve(Buffer.from(lines.length ? lines.join('\n') + '\n' : ''));
        }
        return new Promise<string>((resolve, reject) => {
          if (failure || spilled.destroyed) return reject(failure ?? new Error('log file closed'));
          spilled.once('error', reject);
          spilled.end(() => (failure ? reject(failure) : resolve(file)));
        });
      },
    };
  }

  discard(files: string[]): void {
    for (const file of files) rmSync(file, { force: true });
  }

  async cleanup(dirs: StepDirs): Promise<void> {
    const root = path.dirname(dirs.work);
    liveStepRoots.delete(root);
    try {
      await fs.rm(root, { recursive: true, force: true });
    } catch {
      // A script can leave directories it cannot delete itself (read-only module caches,
      // chmod 000): give the worker's user back its rights, then delete again.
      await restoreWriteAccess(root);
      await fs.rm(root, { recursive: true, force: true });
    }
  }

  environmentInfo(): EnvironmentInfo {
    if (!this.info) {
      let user = 'unknown';
      try {
        user = os.userInfo().username;
      } catch {
        // No passwd entry for this uid (common in containers).
      }
      this.info = {
        operatingSystem: `${os.type()} ${os.release()} ${os.arch()}`,
        currentUser: user,
        hostName: os.hostname(),
        processorCount: os.availableParallelism(),
      };
    }
    return this.info;
  }
}
