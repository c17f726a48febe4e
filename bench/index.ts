import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatTable, type Stats } from './harness';
import { benchPipeline } from './pipeline';

// The AWS SDK's note about Node 22 is not a benchmark result.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Section = { title: string; run: () => Promise<Stats[]> };

async function loadSections(): Promise<Section[]> {
  const sections: Section[] = [{ title: 'Bash hello-world step', run: () => benchPipeline() }];
  const { benchPowerShell } = await import('./powershell');
  sections.push({ title: 'PowerShell hello-world step', run: () => benchPowerShell() });
  const { benchOctostache } = await import('./octostache');
  sections.push({ title: 'Octostache substitution', run: benchOctostache });
  const { benchLocalStack, benchHandlerBundle } = await import('./local-stack');
  sections.push({
    title: 'Local stack (S3/SQS server + worker pool)',
    run: () => benchLocalStack(),
  });
  sections.push({ title: 'Lambda handler bundle', run: () => benchHandlerBundle() });
  const { benchIntegrity } = await import('./integrity');
  sections.push({ title: 'Script integrity verification', run: benchIntegrity });
  const { benchMasking } = await import('./masking');
  sections.push({ title: 'Masking', run: benchMasking });
  return sections;
}

async function main(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; Node ${process.version}`,
    `Command: npm run bench (${new Date().toISOString()})`,
    '',
  ].join('\n');
  let report = header + '\n';
  process.stdout.write(header + '\n');
  for (const section of await loadSections()) {
    const table = formatTable(section.title, await section.run());
    process.stdout.write(table + '\n');
    report += table + '\n';
  }
  const out = path.join('.tidepool', 'bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'latest.md'), report);
  process.stdout.write(`(also written to ${path.join(out, 'latest.md')})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${String(error)}\n`);
  process.exitCode = 1;
});
