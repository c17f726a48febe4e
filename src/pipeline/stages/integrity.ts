// Integrity: verify the script template and its modules before substitution, and let the
// policy decide whether the step may run (docs/integrity.md).

import {
  createIntegrityCheck,
  type IntegritySubject,
  type IntegrityVerdict,
} from '../../integrity/check';
import type { StepMessage } from '../../step/types';
import { flattenVariables } from '../../step/variables';
import { configOf, type PipelineDeps } from '../deps';
import { collectModules } from '../variables';
import type { ResolvedInputs } from './resolve';

/**
 * Without a configured check the worker's minimum is Unrestricted (as Octopus), but a step
 * can still ask for more: with no trust material, a step asking for signatures is refused.
 */
const DEFAULT_INTEGRITY = createIntegrityCheck({ policy: 'Unrestricted', enforcement: 'Audit' });

export function checkIntegrity(
  step: StepMessage,
  inputs: ResolvedInputs,
  deps: PipelineDeps
): Promise<IntegrityVerdict> {
  const { limits } = configOf(deps);
  const maxBytes = Math.max(limits.scriptBytes, limits.moduleBytes);
  return (deps.integrity ?? DEFAULT_INTEGRITY)(
    integritySubject(step, inputs, (key) => deps.inputs.get(key, maxBytes))
  );
}

/**
 * The script and every module the step will load: explicit modules, and modules defined by
 * `Octopus.Script.Module[...]` variables (local when the variables are inline, else remote).
 */
export function integritySubject(
  step: StepMessage,
  inputs: ResolvedInputs,
  read: (key: string) => Promise<Buffer | undefined>
): IntegritySubject {
  const { script, modules: explicit } = inputs;
  const names = new Set(explicit.map((m) => m.name.toLowerCase()));
  const { raw } = flattenVariables(inputs.variables);
  const vars = { raw, evaluated: {}, sensitiveNames: new Set<string>() };
  const fromVariables = collectModules([], vars).filter((m) => !names.has(m.name.toLowerCase()));
  const variablesOrigin = step.variables && 'key' in step.variables ? 'store' : 'variable';
  return {
    syntax: step.syntax,
    script: {
      text: script.text,
      origin: script.origin,
      ...(script.key ? { key: script.key } : {}),
    },
    modules: [
      ...explicit.map((m) => ({
        name: m.name,
        syntax: m.syntax,
        text: m.text,
        origin: m.origin,
        ...(m.key ? { key: m.key } : {}),
      })),
      ...fromVariables.map((m) => ({
        name: m.name,
        syntax: m.syntax,
        text: m.text,
        origin: variablesOrigin as 'store' | 'variable',
      })),
    ],
    ...(step.integrity ? { requested: step.integrity } : {}),
    read,
  };
}
