/**
 * Octostache-compatible variable substitution (`#{...}`), as Octopus Deploy evaluates it.
 * See docs/octostache.md for the language, the limits and the known deviations.
 */
import { VariableDictionary } from './dictionary';
import { run } from './engine';
import { OctostacheError } from './errors';
import { ExpansionBudgetError } from './limits';

export interface Problem {
  expression: string;
  position: number;
  reason: string;
}

export interface StrictResult {
  text: string;
  problems: Problem[];
}

export { VariableDictionary } from './dictionary';
export {
  EvaluationError,
  LimitExceededError,
  OctostacheError,
  RecursiveDefinitionError,
  TemplateSyntaxError,
} from './errors';
export { ExpansionBudgetError, ExpansionMeter, LIMITS, withExpansionMeter } from './limits';

const unableToEvaluate = (token: string): string =>
  `The following tokens were unable to be evaluated: '${token}'`;

/**
 * Lenient evaluation, what Octopus does to script text: never throws; unparsable text is kept,
 * unknown tokens are echoed in normalised form, `##{` becomes `#{`, a null result is ''.
 * @example evaluate('Hello #{Name | ToUpper}', { Name: 'world' }) === 'Hello WORLD'
 */
export function evaluate(template: string, variables: Record<string, string>): string {
  if (!template.includes('#{')) return template;
  return evaluateStrict(template, variables).text;
}

/** Same text as `evaluate`, plus every problem: syntax errors, unevaluated tokens, engine errors. */
export function evaluateStrict(template: string, variables: Record<string, string>): StrictResult {
  if (!template.includes('#{')) return { text: template, problems: [] };
  const dictionary = new VariableDictionary(variables);
  let result;
  try {
    result = run(template, dictionary.binding, { haltOnError: false, catchErrors: true });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      text: template,
      problems: [{ expression: template.slice(0, 40), position: 0, reason }],
    };
  }
  const problems: Problem[] = [
    ...result.syntaxErrors.map((e) => ({
      expression: template.slice(e.start, Math.max(e.position + 1, e.start + 2)).slice(0, 80),
      position: e.start,
      reason: e.message,
    })),
    ...result.caught.map((c) => ({
      expression: c.expression,
      position: c.position,
      reason: c.error.message,
    })),
    ...[...result.missing].map(([expression, position]) => ({
      expression,
      position,
      reason: unableToEvaluate(expression),
    })),
  ].sort((a, b) => a.position - b.position);
  return { text: result.text ?? '', problems };
}

/**
 * Every value evaluated against the whole set, as VariableDictionary.Get does. A value whose
 * evaluation fails (self-reference, limits) keeps its raw text, as Octopus leaves it unresolved.
 */
export function resolveVariables(variables: Record<string, string>): Record<string, string> {
  const dictionary = new VariableDictionary(variables);
  const out: Record<string, string> = {};
  for (const name of Object.keys(variables)) {
    const raw = dictionary.getRaw(name) ?? '';
    try {
      out[name] = dictionary.evaluate(raw).text ?? '';
    } catch (e) {
      if (e instanceof ExpansionBudgetError) throw new ExpansionBudgetError(e.limitChars, name);
      if (!(e instanceof OctostacheError) && !(e instanceof RangeError)) throw e;
      out[name] = raw;
    }
  }
  return out;
}
