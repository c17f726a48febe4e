import { resolveVariables } from '../octostache';
import { moduleFileStem, type ScriptModule } from '../bootstrap/plan';
import type { ModuleSpec, StepMessage, Syntax, VariableValue } from '../step/types';

export interface StepVariables {
  /** Raw values as given, nulls as ''. */
  raw: Record<string, string>;
  /** Values after `#{...}` evaluation: what scripts read. */
  evaluated: Record<string, string>;
  /** Names whose values must be masked. */
  sensitiveNames: Set<string>;
}

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: string,
    readonly field: string,
    message: string
  ) {
    super(message);
  }
}

/** Parses a variables document: name → string | null | { value, sensitive }. */
export function parseVariablesDocument(
  value: unknown,
  field: string
): Record<string, VariableValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('input-invalid', field, `${field} must be a JSON object of name to value`);
  }
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    const ok =
      v === null ||
      typeof v === 'string' ||
      (typeof v === 'object' &&
        !Array.isArray(v) &&
        (typeof (v as { value?: unknown }).value === 'string' ||
          (v as { value?: unknown }).value === null) &&
        ['undefined', 'boolean'].includes(typeof (v as { sensitive?: unknown }).sensitive));
    if (!ok) {
      throw new InputError(
        'input-invalid',
        `${field}/${name}`,
        `${field}: variable '${name}' must be a string, null or { "value": string, "sensitive": boolean }`
      );
    }
  }
  return value as Record<string, VariableValue>;
}

export function buildVariables(
  step: StepMessage,
  document: Record<string, VariableValue>
): StepVariables {
  const raw: Record<string, string> = {};
  const sensitiveNames = new Set<string>(step.sensitiveVariables ?? []);
  for (const [name, v] of Object.entries(document)) {
    if (v !== null && typeof v === 'object') {
      raw[name] = v.value ?? '';
      if (v.sensitive) sensitiveNames.add(name);
    } else {
      raw[name] = v ?? '';
    }
  }
  const has = (name: string) =>
    Object.keys(raw).some((k) => k.toLowerCase() === name.toLowerCase());
  const defaults: Record<string, string> = {
    'Octopus.Deployment.Id': step.deploymentId,
    'Octopus.Action.Id': step.stepId,
    'Octopus.Action.Name': step.stepName ?? step.stepId,
  };
  for (const [name, value] of Object.entries(defaults)) if (!has(name)) raw[name] = value;
  return { raw, evaluated: resolveVariables(raw), sensitiveNames };
}

/** Case-insensitive lookup, as Octopus variable names are. */
export function getVariable(vars: Record<string, string>, name: string): string | undefined {
  if (name in vars) return vars[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(vars)) if (key.toLowerCase() === lower) return vars[key];
  return undefined;
}

const MODULE = /^Octopus\.Script\.Module\[(.+)\]$/i;

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
    const match = MODULE.exec(name);
    if (!match?.[1]) continue;
    const moduleName = match[1];
    const language = getVariable(vars.raw, `Octopus.Script.Module.Language[${moduleName}]`);
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
    const file = (moduleFileStem(m.name) || 'Module').toLowerCase();
    const other = files.get(file);
    if (other !== undefined) {
      throw new InputError(
        'input-invalid',
        '/modules',
        `Bash script module '${m.name}' would be written as ${moduleFileStem(m.name) || 'Module'}.sh, the same file as ${other}`
      );
    }
    files.set(file, `module '${m.name}'`);
  }
  return [...modules.values()];
}
