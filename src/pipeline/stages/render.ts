// Render: the step's variables, `#{...}` substitution of its script and parameters, its script
// modules and the masker for its sensitive values. `tidepool verify` re-renders an attested
// step with this same function.

import {
  evaluate,
  ExpansionBudgetError,
  ExpansionMeter,
  withExpansionMeter,
} from '../../octostache';
import type { ScriptModule } from '../../bootstrap/plan';
import { Masker } from '../../collect/masker';
import { stripSignatureBlock } from '../../integrity/authenticode';
import { getVariable } from '../../rules/octopus-variables';
import { InputError } from '../../step/errors';
import type { ModuleSpec, StepMessage, Syntax } from '../../step/types';
import type { VariablesDocument } from '../../step/variables';
import { DEFAULT_CONFIG } from '../config';
import {
  buildVariables,
  collectModules,
  type StepVariables,
  type VariablesOwner,
} from '../variables';

/** What of a step rendering reads. */
export type RenderTarget = VariablesOwner & Pick<StepMessage, 'syntax' | 'parameters'>;

export interface RenderInput {
  step: RenderTarget;
  /** The script template, as verified. */
  script: string;
  /** The variables document, earlier steps' outputs included. */
  variables: VariablesDocument;
  modules: Array<ModuleSpec & { text: string }>;
  /** Run the script byte-identical to what was signed: no substitution (the step's integrity). */
  verbatim: boolean;
  /** The step's expansion budget (limits.expansionChars). */
  expansionChars?: number;
}

export interface Rendered {
  vars: StepVariables;
  /** The final script, as the bootstrap gets it. */
  script: string;
  parameters: string;
  modules: ScriptModule[];
  masker: Masker;
}

/** Renders within the step's expansion budget; past it the step is rejected naming the culprit. */
export function renderStep(input: RenderInput): Rendered {
  const meter = new ExpansionMeter(input.expansionChars ?? DEFAULT_CONFIG.limits.expansionChars);
  try {
    return withExpansionMeter(meter, () => {
      const rendered = renderWithin(input);
      // Lenient evaluation of the script turns the budget's error into an echoed token.
      if (meter.exceeded) throw new ExpansionBudgetError(meter.limitChars);
      return rendered;
    });
  } catch (error) {
    if (error instanceof ExpansionBudgetError) throw overBudget(error);
    throw error;
  }
}

function overBudget(error: ExpansionBudgetError): InputError {
  const mib = error.limitChars / (1 << 20);
  const size = mib >= 1 ? `${Math.round(mib * 10) / 10} Mi ` : `${error.limitChars} `;
  const budget = `the step's expansion budget (${size}characters)`;
  return error.variable === undefined
    ? new InputError(
        'input-too-large',
        '/script',
        `Substitution in the script or its parameters went past ${budget}: variables that reference each other grow too large`
      )
    : new InputError(
        'input-too-large',
        `/variables/${error.variable}`,
        `Variable '${error.variable}' expands past ${budget}: its references to other variables grow too large`
      );
}

function renderWithin(input: RenderInput): Rendered {
  const { step } = input;
  const vars = buildVariables(step, input.variables);
  const render = (text: string) => evaluate(text, vars.raw);
  const script = substitute(step.syntax, input.script, input.verbatim, render);
  const parameters =
    step.parameters !== undefined
      ? render(step.parameters)
      : (getVariable(vars.evaluated, 'Octopus.Action.Script.ScriptParameters') ?? '');
  const modules = collectModules(input.modules, vars);
  return { vars, script, parameters, modules, masker: maskerFor(vars) };
}

/**
 * Substitution under integrity: `verbatim` keeps the script byte-identical to what was signed;
 * otherwise render, and drop an Authenticode block that no longer matches the changed text.
 */
function substitute(
  syntax: Syntax,
  text: string,
  verbatim: boolean,
  render: (text: string) => string
): string {
  if (verbatim) return text;
  const out = render(text);
  return out !== text && syntax === 'powershell' ? stripSignatureBlock(out) : out;
}

function maskerFor(vars: StepVariables): Masker {
  const masker = new Masker();
  if (vars.sensitiveNames.size === 0) return masker;
  const sensitive = new Set([...vars.sensitiveNames].map((n) => n.toLowerCase()));
  for (const name of Object.keys(vars.raw)) {
    if (!sensitive.has(name.toLowerCase())) continue;
    masker.add(vars.raw[name], name);
    masker.add(vars.evaluated[name], name);
  }
  return masker;
}
