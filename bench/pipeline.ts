import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PipelineDeps } from '../src/pipeline/deps';
import { runStep } from '../src/pipeline/run-step';
import { LocalHost } from '../src/run/local-host';
import { FsObjectStore } from '../src/store/fs-store';
import type { StepMessage } from '../src/step/types';
import { measure, summarise, type Stats } from './harness';

const HELLO = 'echo "Hello, #{Name}"\n';

function step(i: number): StepMessage {
  return {
    schemaVersion: 1,
    deploymentId: 'bench',
    stepId: `hello-${i}`,
    syntax: 'bash',
    script: { inline: HELLO },
    variables: { inline: { Name: 'bench' } },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the step `runs` times and splits each run at the pipeline's marks. */
async function stages(root: string, warm: boolean, runs: number, label: string): Promise<Stats[]> {
  const host = new LocalHost(path.join(root, `steps-${label}`), process.env, warm);
  const deps: PipelineDeps = {
    inputs: new FsObjectStore(root),
    results: new FsObjectStore(path.join(root, `results-${label}`)),
    host,
  };
  const before: number[] = [];
  const after: number[] = [];
  const total: number[] = [];
  if (warm) host.prewarm('bash');
  for (let i = 0; i < runs + 3; i++) {
    // Steps arrive apart, as from a queue; the replacement interpreter has time to start.
    await pause(30);
    const marks: Record<string, number> = {};
    await runStep(step(i), deps, { mark: (stage) => (marks[stage] = performance.now()) });
    if (i < 3) continue;
    before.push((marks.spawned ?? 0) - (marks.accepted ?? 0));
    after.push((marks.stored ?? 0) - (marks.exited ?? 0));
    total.push((marks.stored ?? 0) - (marks.accepted ?? 0));
  }
  host.close();
  const own = before.map((b, i) => b + (after[i] ?? 0));
  return [
    summarise(
      `${label}: pipeline own time (accepted→started + exited→stored)`,
      own,
      'target < 5 ms'
    ),
    summarise(`${label}:   accepted → interpreter started`, before),
    summarise(`${label}:   interpreter exited → result stored`, after),
    summarise(`${label}: accepted → stored, bash included`, total),
  ];
}

/** Hello-world bash step: the pipeline's own time in-process, and whole-command wall times. */
export async function benchPipeline(runs = 30): Promise<Stats[]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tidepool-bench-'));
  const warm = await stages(root, true, runs, 'warm');
  const cold = await stages(root, false, runs, 'cold');

  const script = path.join(root, 'hello.sh');
  writeFileSync(script, 'echo "Hello, bench"\n');
  const bash = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
  const bin = path.join(__dirname, '..', '..', 'bin', 'tidepool');
  const spawnTimed = (cmd: string, args: string[]) => () => {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  };
  return [
    ...warm,
    ...cold,
    await measure('baseline: bash -c true', spawnTimed(bash, ['-c', 'true']), runs),
    await measure('baseline: bash hello.sh', spawnTimed(bash, [script]), runs),
    await measure(
      'node -e 0 (Node start-up alone)',
      spawnTimed(process.execPath, ['-e', '0']),
      runs
    ),
    await measure(
      'tidepool run hello.sh (whole CLI process)',
      spawnTimed(bin, ['run', script, '--json', '--out', path.join(root, 'cli-out')]),
      runs
    ),
  ];
}
