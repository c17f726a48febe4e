// Collect: what the step ended as (Calamari's exit-code rules), its output variables, and the
// artifacts it announced, checked and copied into the result store.

import type { StepDirs } from '../../bootstrap/plan';
import { artifactKey } from '../../bucket/layout';
import type { OutputCollector } from '../../collect/collector';
import { decideStatus, type StatusDecision } from '../../collect/status';
import { getVariable, isTrue } from '../../rules/octopus-variables';
import type { ArtifactRecord, OutputVariable } from '../../step/result';
import type { Limits } from '../config';
import { configOf, type PipelineDeps } from '../deps';
import type { ResolvedArtifact } from '../ports';
import type { StepVariables } from '../variables';
import type { ScriptRun } from './run';

export interface Collected {
  decision: StatusDecision;
  outputVariables: Record<string, OutputVariable>;
  artifacts: ArtifactRecord[];
}

export async function collectOutputs(
  run: ScriptRun,
  vars: StepVariables,
  dirs: StepDirs,
  folder: string,
  deps: PipelineDeps
): Promise<Collected> {
  const { collector } = run;
  const decision = decideStatus({
    ...run.outcome,
    failOnErrorOutput: isTrue(
      getVariable(vars.evaluated, 'Octopus.Action.FailScriptOnErrorOutput')
    ),
    sawErrorOutput: collector.sawErrorOutput,
  });
  if (decision.error) collector.system('error', decision.error.message);
  // A name comes from the script and may be a secret: masked as the log is (values keep their
  // own rule, the sensitive flag).
  const outputVariables = Object.fromEntries(
    [...collector.outputVariables].map(([name, value]) => [collector.masker.apply(name), value])
  );
  if (decision.exitCode !== null) {
    outputVariables['Octopus.Action.Script.ExitCode'] = {
      value: String(decision.exitCode),
      sensitive: false,
    };
  }
  const artifacts = await storeArtifacts(collector, dirs, folder, deps);
  return { decision, outputVariables, artifacts };
}

async function storeArtifacts(
  collector: OutputCollector,
  dirs: StepDirs,
  folder: string,
  deps: PipelineDeps
): Promise<ArtifactRecord[]> {
  const records: ArtifactRecord[] = [];
  const { limits } = configOf(deps);
  let storedBytes = 0;
  // Names and paths come from the script: masked like its log before they are stored.
  const mask = (text: string) => collector.masker.apply(text);
  for (const [index, announced] of collector.artifacts.entries()) {
    const artifact = { ...announced, name: mask(announced.name) };
    if (index >= limits.artifactCount) {
      records.push({
        name: artifact.name,
        refused: `more than ${limits.artifactCount} artifacts`,
        sourcePath: mask(artifact.path),
      });
      continue;
    }
    const allowance = artifactAllowance(limits, storedBytes);
    const resolved = withinTotal(
      await deps.host.resolveArtifact(dirs, announced.path, allowance),
      limits
    );
    if (resolved.kind === 'missing') {
      collector.system(
        'warning',
        `Artifact ${artifact.name} was not collected: there is no file at '${artifact.path}'`
      );
      records.push({ name: artifact.name, missing: true, sourcePath: mask(artifact.path) });
    } else if (resolved.kind === 'refused') {
      collector.system('warning', `Artifact ${artifact.name} was refused: ${resolved.reason}`);
      records.push({
        name: artifact.name,
        refused: resolved.reason,
        sourcePath: mask(artifact.path),
      });
    } else {
      storedBytes += resolved.size;
      const key = artifactKey(folder, index + 1, artifact.name);
      await deps.results.putFile(key, resolved.realPath);
      records.push({
        name: artifact.name,
        path: deps.results.locate(key),
        size: resolved.size,
        sha256: resolved.sha256,
        sourcePath: mask(artifact.path),
      });
    }
  }
  return records;
}

/** What the next artifact may weigh: its own limit, or what is left of the step's total. */
function artifactAllowance(limits: Limits, storedBytes: number): number {
  return Math.max(0, Math.min(limits.artifactBytes, limits.artifactTotalBytes - storedBytes));
}

/** A refusal for size says which limit: the artifact's own, or the step's total. */
function withinTotal(resolved: ResolvedArtifact, limits: Limits): ResolvedArtifact {
  if (resolved.kind !== 'refused' || resolved.size === undefined) return resolved;
  const reason =
    resolved.size > limits.artifactBytes
      ? `${resolved.size} bytes is over the limit of ${limits.artifactBytes}`
      : `${resolved.size} bytes would take the step's artifacts past ${limits.artifactTotalBytes} bytes in all`;
  return { ...resolved, reason };
}
