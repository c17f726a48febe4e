import { evaluate, resolveVariables } from '../src/octostache';
import { measure, summarise, type Stats } from './harness';

const MB = 1024 * 1024;

function plainScript(bytes: number): string {
  const line = 'echo "deploying release to the web farm" && ls -la /var/www/app | grep -v tmp\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

function denseScript(): { template: string; variables: Record<string, string> } {
  const variables: Record<string, string> = {};
  for (let i = 0; i < 1000; i++)
    variables[`Octopus.Action[Step ${i}].Package.Version`] = `1.${i}.0`;
  const filler = plainScript(MB).slice(0, 96);
  let template = '';
  for (let i = 0; template.length < MB; i++) {
    template += `${filler}#{Octopus.Action[Step ${(i * 7) % 1000}].Package.Version}\n`;
  }
  return { template, variables };
}

function eachIfTemplate(): { template: string; variables: Record<string, string> } {
  const variables: Record<string, string> = { Environment: 'Production' };
  for (let i = 0; i < 2000; i++) {
    variables[`Octopus.Action[Step ${i}].Name`] = `Step ${i}`;
    variables[`Octopus.Action[Step ${i}].Enabled`] = i % 3 === 0 ? 'False' : 'True';
    variables[`Octopus.Action[Step ${i}].Roles`] = 'web,api,worker';
  }
  const template =
    '#{each a in Octopus.Action}#{if a.Enabled}#{a.Name}: #{each r in a.Roles}' +
    '#{if Environment == "Production"}#{r | ToUpper}#{else}#{r}#{/if}' +
    '#{unless Octopus.Template.Each.Last},#{/unless}#{/each}\n#{/if}#{/each}';
  return { template, variables };
}

/** Var{i} refers to Var{i/2} (a tree ~12 levels deep) and to a shared leaf, through a filter. */
function chainedVariables(count: number): Record<string, string> {
  const variables: Record<string, string> = { 'Octopus.Environment.Name': 'Production' };
  for (let i = 1; i < count; i++) {
    const parent = i === 1 ? 'Octopus.Environment.Name' : `App.Var${i >> 1}`;
    variables[`App.Var${i}`] = `#{${parent}}/${i}-#{Octopus.Environment.Name | ToLower}`;
  }
  return variables;
}

function throughput(stats: Stats, bytes: number): Stats {
  const mbps = bytes / MB / (stats.medianMs / 1000);
  return summarise(
    stats.name,
    [stats.minMs, stats.medianMs, stats.p90Ms],
    `${mbps.toFixed(0)} MB/s`
  );
}

function withNote(stats: Stats, note: string): Stats {
  return { ...stats, note };
}

/** Octostache engine throughput; the whole run stays well under 20 s. */
export async function benchOctostache(): Promise<Stats[]> {
  const plain = plainScript(MB);
  const dense = denseScript();
  const eachIf = eachIfTemplate();
  const chained = chainedVariables(5000);
  const eachIfBytes = evaluate(eachIf.template, eachIf.variables).length;

  const rows: Stats[] = [];
  const plainStats = await measure('1 MB script, no #{', () => evaluate(plain, {}), 50);
  rows.push({ ...plainStats, note: throughput(plainStats, plain.length).note ?? '' });
  const denseStats = await measure(
    '1 MB script, 10,000 refs to 1,000 vars',
    () => evaluate(dense.template, dense.variables),
    10
  );
  rows.push({ ...denseStats, note: throughput(denseStats, dense.template.length).note ?? '' });
  const eachStats = await measure(
    'each/if-heavy template (2,000 steps × 3 roles)',
    () => evaluate(eachIf.template, eachIf.variables),
    10
  );
  rows.push(
    withNote(
      eachStats,
      `${((6000 / eachStats.medianMs) * 1000).toFixed(0)} loop bodies/s, ${eachIfBytes} B out`
    )
  );
  const resolveStats = await measure(
    'resolveVariables, 5,000 inter-referencing vars',
    () => resolveVariables(chained),
    5,
    1
  );
  rows.push(
    withNote(resolveStats, `${((5000 / resolveStats.medianMs) * 1000).toFixed(0)} variables/s`)
  );
  return rows;
}
