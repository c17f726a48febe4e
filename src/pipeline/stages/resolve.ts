// Resolve: the step's script, variables and modules, inline or from the input store, bounded;
// and the output variables of the earlier steps it names.

import { resultKey } from '../../bucket/layout';
import { InputError } from '../../step/errors';
import type { StepResult } from '../../step/result';
import type { ModuleSpec, StepMessage } from '../../step/types';
import { parseVariablesJson, type VariablesDocument } from '../../step/variables';
import { bundleFolder, configOf, type PipelineDeps } from '../deps';
import { resolveSource, type ResolvedText } from '../inputs';

export type ResolvedModule = ModuleSpec & ResolvedText;

export interface ResolvedInputs {
  script: ResolvedText;
  variables: VariablesDocument;
  modules: ResolvedModule[];
}

export async function resolveInputs(
  step: StepMessage,
  deps: PipelineDeps
): Promise<ResolvedInputs> {
  const { limits } = configOf(deps);
  const script = await resolveSource(deps.inputs, step.script, '/script', limits.scriptBytes);
  const variables = await resolveVariables(step, deps, limits.variablesBytes);
  const modules = await Promise.all(
    (step.modules ?? []).map(async (m, i) => ({
      ...m,
      ...(await resolveSource(deps.inputs, m.source, `/modules/${i}/source`, limits.moduleBytes)),
    }))
  );
  return { script, variables, modules };
}

async function resolveVariables(
  step: StepMessage,
  deps: PipelineDeps,
  maxBytes: number
): Promise<VariablesDocument> {
  if (!step.variables) return {};
  if ('inline' in step.variables) return step.variables.inline;
  const { key } = step.variables;
  const source = await resolveSource(deps.inputs, { key }, '/variables', maxBytes);
  return parseVariablesJson(source.text, '/variables', `/variables: object '${key}'`);
}

/** Output variables of earlier steps, named as Octopus shows them to later steps. */
export async function previousOutputs(
  step: StepMessage,
  deps: PipelineDeps
): Promise<VariablesDocument> {
  const vars: VariablesDocument = {};
  for (const [index, stepId] of (step.previousSteps ?? []).entries()) {
    const field = `/previousSteps/${index}`;
    const key = resultKey(bundleFolder(deps, { deploymentId: step.deploymentId, stepId }));
    const body = await deps.results.get(key, 64 << 20);
    if (!body)
      throw new InputError('input-missing', field, `${field}: step '${stepId}' has no result yet`);
    let earlier: StepResult;
    try {
      earlier = JSON.parse(body.toString('utf8')) as StepResult;
    } catch (error) {
      throw new InputError(
        'input-invalid',
        field,
        `${field}: the result of step '${stepId}' is not valid JSON`,
        { cause: error }
      );
    }
    const name = earlier.stepName ?? stepId;
    for (const [output, v] of Object.entries(earlier.outputVariables ?? {})) {
      vars[`Octopus.Action[${name}].Output.${output}`] = { value: v.value, sensitive: v.sensitive };
    }
  }
  return vars;
}
