// Octopus community step templates (the JSON the library exports): the script body, its
// language, and parameters that become variables with their defaults, as Octopus runs them.
import type { Syntax, VariableValue } from '../step/types';

export interface StepTemplate {
  name: string;
  syntax: Syntax;
  script: string;
  /** Parameter defaults as variables; sensitive parameters marked so. */
  variables: Record<string, VariableValue>;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a step template document; `source` names it in errors. */
export function parseStepTemplate(document: unknown, source: string): StepTemplate {
  if (!isRecord(document)) throw new TemplateError(`${source}: a step template is a JSON object`);
  const properties = document.Properties;
  if (!isRecord(properties)) throw new TemplateError(`${source}: Properties is missing`);
  const body = properties['Octopus.Action.Script.ScriptBody'];
  if (typeof body !== 'string') {
    throw new TemplateError(
      `${source}: Properties["Octopus.Action.Script.ScriptBody"] is missing; only inline script templates run`
    );
  }
  const language = properties['Octopus.Action.Script.Syntax'];
  let syntax: Syntax;
  if (language === undefined || language === null || language === 'PowerShell')
    syntax = 'powershell';
  else if (language === 'Bash') syntax = 'bash';
  else
    throw new TemplateError(
      `${source}: Octopus.Action.Script.Syntax '${String(language)}' is not supported (bash and PowerShell are)`
    );

  const variables: Record<string, VariableValue> = {};
  const parameters = document.Parameters ?? [];
  if (!Array.isArray(parameters)) throw new TemplateError(`${source}: Parameters must be a list`);
  for (const [index, parameter] of parameters.entries()) {
    if (!isRecord(parameter) || typeof parameter.Name !== 'string' || parameter.Name === '') {
      throw new TemplateError(`${source}: Parameters[${index}] has no Name`);
    }
    const value = parameter.DefaultValue;
    const text =
      value === null || value === undefined
        ? null
        : typeof value === 'string'
          ? value
          : JSON.stringify(value);
    const display = isRecord(parameter.DisplaySettings) ? parameter.DisplaySettings : {};
    const sensitive = display['Octopus.ControlType'] === 'Sensitive';
    variables[parameter.Name] = sensitive ? { value: text, sensitive: true } : text;
  }
  const name = typeof document.Name === 'string' ? document.Name : source;
  return { name, syntax, script: body, variables };
}
