// Builds the integrity stage's subject from what the pipeline resolved.

import { collectModules } from '../pipeline/variables';
import type { ModuleSpec, StepMessage, VariableValue } from '../step/types';
import type { IntegritySubject } from './check';

interface Resolved {
  text: string;
  origin: 'inline' | 'store';
  key?: string;
}

/**
 * The script and every module the step will load: explicit modules, and modules defined by
 * `Octopus.Script.Module[...]` variables (local when the variables are inline, else remote).
 */
export function integritySubject(
  step: StepMessage,
  script: Resolved,
  explicit: Array<ModuleSpec & Resolved>,
  variables: Record<string, VariableValue>,
  read: (key: string) => Promise<Buffer | undefined>
): IntegritySubject {
  const names = new Set(explicit.map((m) => m.name.toLowerCase()));
  const raw: Record<string, string> = {};
  for (const [name, v] of Object.entries(variables)) {
    if (!/^Octopus\.Script\.Module(\.Language)?\[/i.test(name)) continue;
    raw[name] = (v !== null && typeof v === 'object' ? v.value : v) ?? '';
  }
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
