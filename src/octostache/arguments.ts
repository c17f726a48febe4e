import type { Expression, Operand, SymbolPath, Token } from './ast';
import { parseTemplate } from './parser/template';

function fromPath(path: SymbolPath, out: Set<string>): void {
  for (const step of path.steps) {
    if (step.kind === 'name') out.add(step.text);
    else if (step.symbol) fromPath(step.symbol, out);
  }
}

function fromExpression(expr: Operand | Expression, out: Set<string>): void {
  if (expr.kind === 'string') out.add(expr.text);
  else if (expr.kind === 'symbol') fromPath(expr, out);
  else {
    if (expr.input) fromPath(expr.input, out);
    for (const f of expr.filters) {
      for (const o of f.options) if (o.kind === 'token') fromTokens([o.token], out);
    }
  }
}

function fromTokens(tokens: Token[], out: Set<string>): void {
  for (const t of tokens) {
    switch (t.kind) {
      case 'substitution':
        fromExpression(t.expr, out);
        break;
      case 'conditional':
        fromExpression(t.left, out);
        if (t.comparison) fromExpression(t.comparison.right, out);
        fromTokens(t.truthy, out);
        fromTokens(t.falsy, out);
        break;
      case 'repetition':
        fromPath(t.collection, out);
        break;
      case 'calculation':
      case 'text':
        break;
    }
  }
}

/** ParseTemplateAndGetArgumentNames: identifier segments referenced (not inside loop bodies). */
export function argumentNames(template: string): string[] {
  const parsed = parseTemplate(template, true);
  const out = new Set<string>();
  if (parsed.ok) fromTokens(parsed.template.tokens, out);
  return [...out];
}
