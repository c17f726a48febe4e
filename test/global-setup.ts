import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { TEMPLATE_PATH } from './helpers/iam/template-policies';

const root = path.join(__dirname, '..');

/** Files whose change makes the packaged template stale. */
const INPUTS = [
  'serverless.yml',
  'scripts/package.mjs',
  'scripts/template-params.cjs',
  'package.json',
];

function stale(): boolean {
  if (!existsSync(TEMPLATE_PATH)) return true;
  const built = statSync(TEMPLATE_PATH).mtimeMs;
  return INPUTS.some((f) => statSync(path.join(root, f)).mtimeMs > built);
}

/**
 * Jest globalSetup: the IAM gate holds every request of the integration suite to the policies
 * of the template `npm run package` produces, so package first when the template is missing or
 * older than what it is made from.
 */
export default function globalSetup(globalConfig: { selectProjects?: string[] }): void {
  const projects = globalConfig.selectProjects ?? [];
  // The unit project talks to no server: it needs no template (nor the layer packaging builds).
  if (projects.length > 0 && projects.every((p) => p === 'unit')) return;
  if (!stale()) return;
  process.stderr.write('\nglobal setup: packaging (npm run package) for the IAM gate...\n');
  const run = spawnSync(process.execPath, ['scripts/package.mjs'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.status !== 0) {
    throw new Error(
      `npm run package failed (${run.status ?? run.signal}); the IAM gate needs its template:\n${run.stdout}\n${run.stderr}`
    );
  }
}
