import { resolveVariables } from '../octostache';
import { moduleFileStem, type ScriptModule } from '../bootstrap/plan';
import { getVariable, moduleLanguageVariable, moduleVariable } from '../rules/octopus-variables';
import { InputError } from '../step/errors';
import type { ModuleSpec, StepMessage, Syntax } from '../step/types';
import { flattenVariables, type VariablesDocument } from '../step/variables';

export interface StepVariables {
  /** Raw values as given, nulls as ''. */
  raw: Record<string, string>;
  /** Values after `#{...}` evaluation: what scripts read. */
  evaluated: Record<string, string>;
  /** Names whose values must be masked. */
  sensitiveNames: Set<string>;
}

/** What of a step its variables depend on: its ids and name, and the names it marks sensitive. */
export type VariablesOwner = Pick<
  StepMessage,
  'deploymentId' | 'stepId' | 'stepName' | 'sensitiveVariables'
>;

/** A step's variables: the document's, then the step's identity unless the document sets it. */
export function buildVariables(step: VariablesOwner, document: VariablesDocument): StepVariables {
  const flat = flattenVariables(document);
  const raw = flat.raw;
  const sensitiveNames = new Set([...(step.sensitiveVariables ?? []), ...flat.sensitiveNames]);
  const defaults: Record<string, string> = {
    'Octopus.Deployment.Id': step.deploymentId,
    'Octopus.Action.Id': step.stepId,
    'Octopus.Action.Name': step.stepName ?? step.stepId,
  };
  for (const [name, value] of Object.entries(defaults)) {
    if (getVariable(raw, name) === undefined) raw[name] = value;
  }
  return { raw, evaluated: resolveVariables(raw), sensitiveNames };
}

/**
 * Script modules from explicit fields and from Octopus's variable form
 * (`Octopus.Script.Module[Name]` + `Octopus.Script.Module.Language[Name]`); explicit wins.
 */
export function collectModules(
  explicit: Array<ModuleSpec & { text: string }>,
  vars: StepVariables
): ScriptModule[] {
  const modules = new Map<string, ScriptModule>();
  for (const [name, text] of Object.entries(vars.raw)) {
    const variable = moduleVariable(name);
    if (variable?.part !== 'code') continue;
    const moduleName = variable.module;
    const language = getVariable(vars.raw, moduleLanguageVariable(moduleName));
    const syntax: Syntax = language?.trim().toLowerCase() === 'bash' ? 'bash' : 'powershell';
    modules.set(moduleName.toLowerCase(), { name: moduleName, syntax, text });
  }
  for (const m of explicit) {
    modules.set(m.name.toLowerCase(), { name: m.name, syntax: m.syntax, text: m.text });
  }
  // Bash modules become <stem>.sh beside Script.sh: two that share a file name cannot both exist.
  const files = new Map<string, string>([['script', 'the script itself']]);
  for (const m of modules.values()) {
    if (m.syntax !== 'bash') continue;
    const file = moduleFileStem(m.name).toLowerCase();
    const other = files.get(file);
    if (other !== undefined) {
      throw new InputError(
        'input-invalid',
        '/modules',
        `Bash script module '${m.name}' would be written as ${moduleFileStem(m.name)}.sh, the same file as ${other}`
      );
    }
    files.set(file, `module '${m.name}'`);
  }
  return [...modules.values()];
}
