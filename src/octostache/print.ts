import type { CalcExpr, Expression, FilterOption, Operand, SymbolPath, Token } from './ast';
import { formatDouble } from './filters/numbers';

/** Normalised printed forms (Octostache's ToString), used to echo tokens that cannot be evaluated. */

const escapeText = (text: string): string => text.split('#{').join('##{');

export function printPath(path: SymbolPath): string {
  let out = '';
  path.steps.forEach((step, i) => {
    if (step.kind === 'name') out += i === 0 ? step.text : `.${step.text}`;
    else out += step.symbol ? `[#{${printPath(step.symbol)}}]` : `[${step.text}]`;
  });
  return out;
}

function printOption(option: FilterOption): string {
  return option.kind === 'text' ? `"${escapeText(option.text)}"` : printToken(option.token);
}

export function printExpression(expr: Expression): string {
  if (expr.kind === 'symbol') return printPath(expr);
  let out = expr.input ? printPath(expr.input) : '';
  for (const f of expr.filters) {
    out += ` | ${f.name}`;
    if (f.options.length) out += ' ' + f.options.map(printOption).join(' ');
  }
  return out;
}

function printOperand(operand: Operand): string {
  return operand.kind === 'string' ? `"${operand.text}"` : printExpression(operand);
}

export function printCalc(expr: CalcExpr): string {
  switch (expr.kind) {
    case 'number':
      return formatDouble(expr.value);
    case 'ref':
      return printPath(expr.path);
    case 'binary':
      return `${printCalc(expr.left)}${expr.op}${printCalc(expr.right)}`;
  }
}

export function printToken(token: Token): string {
  switch (token.kind) {
    case 'text':
      return escapeText(token.text);
    case 'substitution':
      return `#{${printExpression(token.expr)}}`;
    case 'calculation':
      return `#{${printCalc(token.expr)}}`;
    case 'repetition':
      return `#{each ${token.item} in ${printPath(token.collection)}}${printTokens(token.body)}#{/each}`;
    case 'conditional': {
      const cmp = token.comparison;
      const comparison = cmp ? `${cmp.equal ? ' == ' : ' != '}${printOperand(cmp.right)} ` : '';
      const falsy = token.falsy.length ? `#{else}${printTokens(token.falsy)}` : '';
      return `#{if ${printExpression(token.left)}${comparison}}${printTokens(token.truthy)}${falsy}#{/if}`;
    }
  }
}

export function printTokens(tokens: Token[]): string {
  return tokens.map(printToken).join('');
}
