import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, readResult, sendStep, type StackClient } from '../src/cli/stack-client';
import { upload } from '../src/cli/commands/submit';
import { startLocalStack } from '../src/local/stack';
import type { StepMessage } from '../src/step/types';
import { summarise, type Stats } from './harness';

const root = path.join(__dirname, '..', '..');

function hello(deploymentId: string, i: number): StepMessage {
  return {
    schemaVersion: 1,
    deploymentId,
    stepId: `hello-${i}`,
    syntax: 'bash',
    script: { inline: 'echo "Hello, #{Name}"\n' },
    variables: { inline: { Name: 'bench' } },
  };
}

async function waitAll(
  client: StackClient,
  steps: StepMessage[],
  timeoutMs = 300_000
): Promise<void> {
  const pending = new Set(steps);
  const started = Date.now();
  while (pending.size > 0) {
    for (const step of [...pending]) if (await readResult(client, step)) pending.delete(step);
    if (Date.now() - started > timeoutMs) throw new Error(`${pending.size} steps unfinished`);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
  }
}

/** Hello-world steps per second through the whole local stack, and submit → result latency. */
export async function benchLocalStack(steps = 40): Promise<Stats[]> {
  const rows: Stats[] = [];
  for (const concurrency of [1, 2, 4, 8]) {
    const stack = await startLocalStack({ concurrency, prewarmPowerShell: false });
    try {
      const client = await connect({
        endpoint: stack.endpoint,
        bucket: stack.bucket,
        'queue-url': stack.queueUrl,
      });
      const messages = Array.from({ length: steps }, (_, i) => hello(`tp-c${concurrency}`, i));
      const prepared = await Promise.all(messages.map((m) => upload(client, m)));
      const start = performance.now();
      for (const m of prepared) await sendStep(client, m);
      await waitAll(client, messages);
      const seconds = (performance.now() - start) / 1000;
      rows.push(
        summarise(
          `throughput, concurrency ${concurrency} (${steps} steps)`,
          [seconds * 1000],
          `${(steps / seconds).toFixed(1)} steps/s`
        )
      );
      if (concurrency === 1) {
        const latencies: number[] = [];
        for (let i = 0; i < 15; i++) {
          const m = await upload(client, hello('tp-latency', i));
          const t = performance.now();
          await sendStep(client, m);
          await waitAll(client, [m]);
          latencies.push(performance.now() - t);
        }
        rows.push(
          summarise('latency: submit → result stored (concurrency 1, idle pool)', latencies)
        );
      }
    } finally {
      await stack.stop();
    }
  }
  return rows;
}

/** The Lambda bundle's size and how long Node takes to load it (the part of INIT we own). */
export async function benchHandlerBundle(runs = 10): Promise<Stats[]> {
  const build = spawnSync(process.execPath, ['scripts/bundle.mjs'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`bundle failed: ${build.stderr}`);
  const bundle = path.join(root, 'dist', 'bundle', 'step-runner', 'handler.js');
  const size = statSync(bundle).size;
  const load: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const out = spawnSync(
      process.execPath,
      [
        '-e',
        `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
      ],
      { encoding: 'utf8' }
    );
    whole.push(performance.now() - t);
    load.push(Number(out.stdout.trim()));
  }
  return [
    summarise('handler bundle: require() time', load, `${(size / 1024).toFixed(0)} KiB minified`),
    summarise('handler bundle: node start + require', whole),
  ];
}
