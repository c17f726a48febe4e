// Generates the integrity test material (test/fixtures/integrity/make-fixtures.sh) once per
// test run, under the OS temp dir, shared by all test files of that run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../fixtures/integrity/make-fixtures.sh');

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The fixture directory; generated on first use in this test run. */
export function fixtures(): string {
  const version = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12);
  // Jest workers share their parent: one directory per `jest` invocation.
  const run = process.env.JEST_WORKER_ID !== undefined ? process.ppid : process.pid;
  const dir = path.join(os.tmpdir(), `tidepool-integrity-fixtures-${version}-${run}`);
  const done = path.join(dir, '.done');
  if (existsSync(done)) return dir;
  try {
    mkdirSync(dir);
  } catch {
    for (let waited = 0; waited < 60_000 && !existsSync(done); waited += 100) sleep(100);
    if (!existsSync(done)) throw new Error(`integrity fixtures in ${dir} were not finished`);
    return dir;
  }
  execFileSync('bash', [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(done, '');
  return dir;
}

export function fx(name: string): Buffer {
  return readFileSync(path.join(fixtures(), name));
}

export function fxText(name: string): string {
  return fx(name).toString('utf8');
}
