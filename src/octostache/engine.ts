import type { Token } from './ast';
import type { Node } from './binding';
import type { OctostacheError, TemplateSyntaxError } from './errors';
import { Evaluator } from './evaluate';
import { parseTemplate } from './parser/template';
import { Report, Scope } from './scope';

export interface EngineResult {
  /** null only when a top-level `| null` filter was evaluated. */
  text: string | null;
  /** Echoed tokens that could not be evaluated, with the offset of their top-level token. */
  missing: Map<string, number>;
  /** Parse failures (halt mode: one, and `text` is the template unchanged). */
  syntaxErrors: TemplateSyntaxError[];
  /** Engine errors caught per top-level token (only with `catchErrors`). */
  caught: { expression: string; position: number; error: OctostacheError }[];
}

export interface EngineOptions {
  haltOnError: boolean;
  catchErrors: boolean;
}

/** Parses and evaluates a template against a variable tree. */
export function run(template: string, binding: Node, options: EngineOptions): EngineResult {
  const missing = new Map<string, number>();
  if (!template.includes('#{')) return { text: template, missing, syntaxErrors: [], caught: [] };
  const evaluator = new Evaluator(options.catchErrors);
  const report = new Report(missing);
  const scope = new Scope(binding, null);
  let text = '';
  const stream = options.haltOnError
    ? undefined
    : (token: Token): void => void (text += evaluator.token(token, scope, report, true));
  const parsed = parseTemplate(template, options.haltOnError, stream);
  if (!parsed.ok) return { text: template, missing, syntaxErrors: [parsed.error], caught: [] };
  if (!stream) text = evaluator.tokens(parsed.template.tokens, scope, report, true);
  return {
    text: report.nulled ? null : text,
    missing,
    syntaxErrors: parsed.errors,
    caught: evaluator.caught,
  };
}
