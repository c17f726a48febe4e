import { OutputCollector } from '../src/collect/collector';
import { Masker } from '../src/collect/masker';
import { measure, type Stats } from './harness';

const secrets = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}-${'k9'.repeat(6)}`);

/** A step's log: lines that mostly hold nothing secret. */
const LINE = 'deploying release 2026.12.4 to web-03: copied 1432 files, 0 skipped, ok';

export async function benchMasking(): Promise<Stats[]> {
  const tenThousand = secrets(10_000, 'sensitive-value');
  return [
    await measure(
      '10,000 sensitive values: build the automaton',
      () => {
        const masker = new Masker();
        for (const s of tenThousand) masker.add(s);
        masker.apply(LINE);
      },
      10,
      1
    ),
    await measure(
      '10,000 sensitive values: mask 10,000 log lines',
      (() => {
        const masker = new Masker();
        for (const s of tenThousand) masker.add(s);
        masker.apply(LINE);
        return () => {
          for (let i = 0; i < 10_000; i++) masker.apply(LINE, 'stdout');
        };
      })(),
      10,
      1
    ),
    await measure(
      '8,000 `##octopus[mask]` lines through the collector, then 1,000 log lines',
      () => {
        const collector = new OutputCollector(new Masker(), () => undefined);
        for (const s of secrets(8_000, 'masked')) {
          const value = Buffer.from(s).toString('base64');
          collector.line('stdout', `##octopus[mask value='${value}']`);
        }
        for (let i = 0; i < 1_000; i++) collector.line('stdout', `${LINE} ${i}`);
      },
      10,
      1
    ),
    await measure(
      '8,000 mask messages, each followed by a log line (worst case: a rebuild per line)',
      () => {
        const masker = new Masker();
        for (const [i, s] of secrets(8_000, 'masked').entries()) {
          masker.add(s);
          masker.apply(`${LINE} ${i}`, 'stdout');
        }
      },
      10,
      1
    ),
  ];
}

if (require.main === module) {
  void benchMasking().then(async (rows) => {
    const { formatTable } = await import('./harness');
    process.stdout.write(formatTable('Masking', rows));
  });
}
