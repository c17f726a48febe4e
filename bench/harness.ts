import { performance } from 'node:perf_hooks';

export interface Stats {
  name: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  /** Free-form extra figure, e.g. throughput. */
  note?: string;
}

function quantile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.floor(q * sorted.length));
  return sorted[index] ?? NaN;
}

export function summarise(name: string, samplesMs: number[], note?: string): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const stats: Stats = {
    name,
    runs: sorted.length,
    medianMs: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    minMs: sorted[0] ?? NaN,
  };
  if (note !== undefined) stats.note = note;
  return stats;
}

/** Runs `fn` `runs` times after `warmup` untimed runs and summarises the wall times. */
export async function measure(
  name: string,
  fn: () => unknown | Promise<unknown>,
  runs = 20,
  warmup = 2
): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return summarise(name, samples);
}

export function formatTable(title: string, rows: Stats[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| measurement | runs | median ms | p90 ms | min ms | note |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.runs} | ${r.medianMs.toFixed(2)} | ${r.p90Ms.toFixed(2)} | ${r.minMs.toFixed(2)} | ${r.note ?? ''} |`
    );
  }
  return lines.join('\n') + '\n';
}
