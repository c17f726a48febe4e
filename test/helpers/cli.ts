import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';
import type { StepResult } from '../../src/step/result';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `tidepool` command in-process with captured output. */
export async function tidepool(args: string[], stdin = ''): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    readStdin: async () => stdin,
    isTty: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

export function tempDir(prefix = 'tidepool-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ScriptRun extends CliRun {
  result: StepResult;
  outDir: string;
}

/** Writes `script` to a file and runs it with `tidepool run --json`. */
export async function runScript(
  script: string,
  options: {
    syntax?: 'bash' | 'powershell';
    variables?: Record<string, unknown>;
    args?: string[];
    /** Pass --show-sensitive (default true). */
    showSensitive?: boolean;
  } = {}
): Promise<ScriptRun> {
  const dir = tempDir();
  const file = path.join(dir, options.syntax === 'powershell' ? 'script.ps1' : 'script.sh');
  writeFileSync(file, script);
  // By default the whole result document, sensitive output values included: most tests check
  // the pipeline, not the CLI's masking.
  const args = ['run', file, '--json', '--out', path.join(dir, 'out')];
  if (options.showSensitive ?? true) args.push('--show-sensitive');
  if (options.variables) {
    const varsFile = path.join(dir, 'vars.json');
    writeFileSync(varsFile, JSON.stringify(options.variables));
    args.push('--variables', varsFile);
  }
  args.push(...(options.args ?? []));
  const run = await tidepool(args);
  if (run.stdout.trim() === '') {
    throw new Error(`tidepool run printed no result (exit ${run.code}): ${run.stderr}`);
  }
  return { ...run, result: JSON.parse(run.stdout) as StepResult, outDir: path.join(dir, 'out') };
}
