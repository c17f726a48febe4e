import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The repository (package) root, wherever the compiled code runs from. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export interface ServerProcess {
  endpoint: string;
  child: ChildProcess;
  /** Settles when the server exits, with its exit code or signal: expected only after stop. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  port?: number;
  /** Keep objects and messages here across restarts (in memory only without). */
  dataDir?: string;
  /** Objects whose key ends so are not brought back from `dataDir` (the workers' claims). */
  dropSuffix?: string;
}

/**
 * Starts the embedded S3/SQS-protocol server (src/local/fauxqs-server.mjs) as a child process
 * on 127.0.0.1 and waits until it says where it listens.
 */
export function startServerProcess(options: ServerOptions | number = {}): Promise<ServerProcess> {
  const {
    port = 0,
    dataDir,
    dropSuffix,
  } = typeof options === 'number' ? { port: options } : options;
  const script = path.join(packageRoot(), 'src', 'local', 'fauxqs-server.mjs');
  const env: NodeJS.ProcessEnv = { ...process.env, TIDEPOOL_LOCAL_PORT: String(port) };
  delete env.TIDEPOOL_LOCAL_DATA_DIR;
  if (dataDir) env.TIDEPOOL_LOCAL_DATA_DIR = dataDir;
  if (dropSuffix) env.TIDEPOOL_LOCAL_DROP_SUFFIX = dataDir ? dropSuffix : '';
  const child = spawn(process.execPath, ['--no-warnings', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(
        new Error(`The local S3/SQS server did not start: ${why}${stderr ? `\n${stderr}` : ''}`)
      );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail('no answer in 20 s');
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(`it exited with code ${code}`);
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        const { endpoint } = JSON.parse(out.slice(0, newline)) as { endpoint: string };
        const exited = new Promise<string>((done) =>
          child.once('exit', (code, signal) =>
            done(signal ? `signal ${signal}` : `exit code ${String(code)}`)
          )
        );
        resolve({
          endpoint,
          child,
          exited,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.stdin?.end('stop\n');
              setTimeout(() => child.kill('SIGKILL'), 3000).unref();
            }),
        });
      } catch {
        fail(`unexpected output '${out.slice(0, newline)}'`);
      }
    });
  });
}
