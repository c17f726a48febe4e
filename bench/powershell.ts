import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PipelineDeps } from '../src/pipeline/deps';
import { runStep } from '../src/pipeline/run-step';
import { locateInterpreter } from '../src/run/interpreters';
import { LocalHost } from '../src/run/local-host';
import { baseEnvironment } from '../src/run/script-environment';
import { FsObjectStore } from '../src/store/fs-store';
import type { StepMessage } from '../src/step/types';
import { summarise, type Stats } from './harness';

const HELLO = 'Write-Host "Hello, #{Name}"\n';

function step(i: number, label: string): StepMessage {
  return {
    schemaVersion: 1,
    deploymentId: 'bench',
    stepId: `ps-hello-${label}-${i}`,
    syntax: 'powershell',
    script: { inline: HELLO },
    variables: { inline: { Name: 'bench' } },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU ticks a process and its descendants have used so far (Linux), or undefined where /proc
 * cannot tell. (A pwsh installed as a dotnet tool is a launcher with pwsh as its child.)
 */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ticks = Number(fields[11]) + Number(fields[12]);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(/\s+/) : [])
      ticks += cpuTicks(Number(child)) ?? 0;
    return ticks;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the interpreter waiting for the next step has finished starting (its CPU time
 * stops growing): steps arrive spaced out, as from a queue, not back to back.
 */
async function untilSettled(host: LocalHost, maxMs = 15000): Promise<void> {
  const start = performance.now();
  let last: number | undefined;
  while (performance.now() - start < maxMs) {
    await pause(250);
    const pid = host.waitingPid('powershell');
    const ticks = pid === undefined ? undefined : cpuTicks(pid);
    if (ticks !== undefined && ticks === last) return;
    last = ticks;
  }
}

async function pipelineRuns(root: string, warm: boolean, runs: number): Promise<number[]> {
  const label = warm ? 'warm' : 'cold';
  const host = new LocalHost(path.join(root, `steps-${label}`), process.env, warm);
  const deps: PipelineDeps = {
    inputs: new FsObjectStore(root),
    results: new FsObjectStore(path.join(root, `results-${label}`)),
    host,
  };
  const samples: number[] = [];
  try {
    if (warm) host.prewarm('powershell');
    for (let i = 0; i < runs + 1; i++) {
      if (warm) await untilSettled(host);
      else await pause(100);
      const marks: Record<string, number> = {};
      const result = await runStep(step(i, label), deps, {
        mark: (stage) => (marks[stage] = performance.now()),
      });
      if (result.status !== 'succeeded') {
        throw new Error(
          `The ${label} hello-world step ${result.status}: ${JSON.stringify(result.log)}`
        );
      }
      // The first run of each kind loads the pipeline's own code; it is not counted.
      if (i > 0) samples.push((marks.stored ?? NaN) - (marks.accepted ?? NaN));
    }
  } finally {
    host.close();
  }
  return samples;
}

/**
 * A hello-world PowerShell step, in the same run: bare `pwsh -NoProfile -NonInteractive
 * -Command exit`, the step through the pipeline with no interpreter waiting (cold), and with
 * one started ahead of it (warm). Target: warm ≤ half of the bare pwsh start.
 */
export async function benchPowerShell(runs = 8): Promise<Stats[]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tidepool-bench-ps-'));
  const pwsh = locateInterpreter('powershell');
  // The same process settings the worker starts pwsh with, so the comparison is like for like.
  const env = baseEnvironment(undefined, 'powershell');
  const bareRun = () => {
    const start = performance.now();
    const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', 'exit'], {
      stdio: 'ignore',
      env,
    });
    if (r.status !== 0) throw new Error(`${pwsh} exited ${r.status}`);
    return performance.now() - start;
  };
  bareRun();
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) bare.push(bareRun());
  const cold = await pipelineRuns(root, false, runs);
  const warm = await pipelineRuns(root, true, runs);

  const bareStats = summarise('bare pwsh -NoProfile -NonInteractive -Command exit', bare);
  const warmStats = summarise('hello-world step, warm interpreter: accepted → finished', warm);
  const ratio = warmStats.medianMs / bareStats.medianMs;
  warmStats.note = `${(ratio * 100).toFixed(0)}% of bare pwsh (target ≤ 50%): ${ratio <= 0.5 ? 'met' : 'NOT met'}`;
  return [
    bareStats,
    summarise('hello-world step, cold (no interpreter waiting): accepted → finished', cold),
    warmStats,
  ];
}
