// Placeholder engine: only `#{Name}` and `##{` escapes. Part 2 replaces this module
// with the full Octostache language behind the same exports.

export interface Problem {
  expression: string;
  position: number;
  reason: string;
}

export interface StrictResult {
  text: string;
  problems: Problem[];
}

const TOKEN = /##\{|#\{([^{}]*)\}/g;

function lookup(variables: Record<string, string>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(variables, name)) return variables[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(variables)) if (key.toLowerCase() === lower) return variables[key];
  return undefined;
}

export function evaluateStrict(template: string, variables: Record<string, string>): StrictResult {
  const problems: Problem[] = [];
  const text = template.replace(TOKEN, (match, inner: string | undefined, offset: number) => {
    if (match === '##{') return '#{';
    const name = (inner ?? '').trim();
    const value = lookup(variables, name);
    if (value === undefined) {
      problems.push({ expression: match, position: offset, reason: `The variable '${name}' is not defined` });
      return `#{${name}}`;
    }
    return value;
  });
  return { text, problems };
}

export function evaluate(template: string, variables: Record<string, string>): string {
  if (!template.includes('#{')) return template;
  return evaluateStrict(template, variables).text;
}

/** Every value evaluated against the whole set, as Octopus's VariableDictionary.Get does. */
export function resolveVariables(variables: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) out[name] = evaluate(value, variables);
  return out;
}
