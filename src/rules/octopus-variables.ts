// Octopus's conventions for variable names and values, in one place for every layer that reads
// them: the pipeline (settings, script modules), the bootstraps and the integrity subject.

/** Case-insensitive lookup, as Octopus variable names are; an exact match wins. */
export function getVariable(vars: Record<string, string>, name: string): string | undefined {
  if (name in vars) return vars[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(vars)) if (key.toLowerCase() === lower) return vars[key];
  return undefined;
}

/** Octopus's boolean parsing (`bool.TryParse`): "True"/"true", surrounding spaces allowed. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

const MODULE_VARIABLE = /^Octopus\.Script\.Module(\.Language)?\[(.+)\]$/i;

/**
 * What a variable says about a script module: `Octopus.Script.Module[Name]` holds its code,
 * `Octopus.Script.Module.Language[Name]` its language. Undefined for any other variable.
 */
export function moduleVariable(
  name: string
): { part: 'code' | 'language'; module: string } | undefined {
  const match = MODULE_VARIABLE.exec(name);
  if (!match?.[2]) return undefined;
  return { part: match[1] ? 'language' : 'code', module: match[2] };
}

/** Whether a variable is a script module's code (which is a module, not a variable, to a script). */
export function isScriptModuleVariable(name: string): boolean {
  return moduleVariable(name)?.part === 'code';
}

/** The variable that names a script module's language. */
export function moduleLanguageVariable(module: string): string {
  return `Octopus.Script.Module.Language[${module}]`;
}
