import type {
  ConditionalToken,
  Expression,
  Operand,
  RepetitionToken,
  SubstitutionToken,
  Token,
  CalculationToken,
} from '../ast';
import { isWhiteSpace } from '../chars';
import type { Lexer } from '../lexer';
import { LIMITS } from '../limits';
import { readSum } from './calc';
import { readExpression, readStringLiteral } from './expression';
import { readIdentifier, readPath } from './path';
import { readTokens } from './template';

/** `#{` ws* keyword ws+ — keywords are case-insensitive. */
function openKeyword(lx: Lexer, keyword: string): boolean {
  const start = lx.pos;
  lx.pos += 2;
  lx.skipWs();
  if (lx.eatKeyword(keyword) && lx.requireWs()) return true;
  lx.pos = start;
  return false;
}

export function isElseTag(src: string, at: number): boolean {
  return (
    src.startsWith('#{else}', at) ||
    (src.startsWith('#{elseif', at) && isWhiteSpace(src.charAt(at + 8)))
  );
}

function readSubstitution(lx: Lexer, depth: number): SubstitutionToken | null {
  const start = lx.pos;
  if (isElseTag(lx.src, start)) return null;
  lx.pos += 2;
  lx.skipWs();
  const expr = readExpression(lx, depth);
  if (expr) {
    if (expr.kind === 'symbol') lx.skipWs();
    if (lx.eat('}')) return { kind: 'substitution', expr, offset: start };
  }
  lx.pos = start;
  return null;
}

type Condition = { left: Expression; comparison: ConditionalToken['comparison'] };

function readOperator(lx: Lexer): boolean | null {
  if (lx.eat('==')) return true;
  if (lx.eat('!=')) return false;
  return null;
}

function readCondition(lx: Lexer, depth: number): Condition | null {
  lx.skipWs();
  const literal = readStringLiteral(lx);
  if (literal !== null) {
    lx.skipWs();
    const equal = readOperator(lx);
    lx.skipWs();
    const right = equal === null ? null : readExpression(lx, depth);
    if (equal === null || !right) return null;
    lx.skipWs();
    return { left: right, comparison: { equal, right: { kind: 'string', text: literal } } };
  }
  const left = readExpression(lx, depth);
  if (!left) return null;
  lx.skipWs();
  const equal = readOperator(lx);
  if (equal === null) return { left, comparison: null };
  lx.skipWs();
  const text = readStringLiteral(lx);
  const right: Operand | null =
    text !== null ? { kind: 'string', text } : readExpression(lx, depth);
  if (!right) return null;
  lx.skipWs();
  return { left, comparison: { equal, right } };
}

function readIfRest(
  lx: Lexer,
  depth: number,
  cond: Condition,
  offset: number
): ConditionalToken | null {
  const truthy = readTokens(lx, depth + 1, false);
  if (!truthy) return null;
  let falsy: Token[] = [];
  if (lx.startsWith('#{elseif')) {
    const at = lx.pos;
    lx.pos += 8;
    const next = lx.requireWs() ? readCondition(lx, depth) : null;
    if (!next || !lx.eat('}')) return null;
    const nested = readIfRest(lx, depth + 1, next, at);
    if (!nested) return null;
    return { kind: 'conditional', ...cond, truthy, falsy: [nested], offset };
  }
  if (lx.startsWith('#{else}')) {
    lx.pos += 7;
    const rest = readTokens(lx, depth + 1, false);
    if (!rest) return null;
    falsy = rest;
  }
  if (!lx.eat('#{/if}')) return null;
  return { kind: 'conditional', ...cond, truthy, falsy, offset };
}

function readUnlessRest(
  lx: Lexer,
  depth: number,
  cond: Condition,
  offset: number
): ConditionalToken | null {
  const body = readTokens(lx, depth + 1, false);
  if (!body) return null;
  let otherwise: Token[] = [];
  if (lx.eat('#{else}')) {
    const rest = readTokens(lx, depth + 1, false);
    if (!rest) return null;
    otherwise = rest;
  }
  if (!lx.eat('#{/unless}')) return null;
  return { kind: 'conditional', ...cond, truthy: otherwise, falsy: body, offset };
}

function readConditional(lx: Lexer, depth: number): ConditionalToken | null {
  const start = lx.pos;
  const isIf = openKeyword(lx, 'if');
  if (!isIf && !openKeyword(lx, 'unless')) return null;
  const cond = readCondition(lx, depth);
  const token =
    cond && lx.eat('}')
      ? isIf
        ? readIfRest(lx, depth, cond, start)
        : readUnlessRest(lx, depth, cond, start)
      : null;
  if (!token) lx.pos = start;
  return token;
}

function readRepetition(lx: Lexer, depth: number): RepetitionToken | null {
  const start = lx.pos;
  if (!openKeyword(lx, 'each')) return null;
  const item = readIdentifier(lx);
  if (item && lx.requireWs() && lx.eatKeyword('in') && lx.requireWs()) {
    const collection = readPath(lx, depth);
    lx.skipWs();
    if (collection && lx.eat('}')) {
      const body = readTokens(lx, depth + 1, false);
      if (body && lx.eat('#{/each}')) {
        return { kind: 'repetition', item: item.text, collection, body, offset: start };
      }
    }
  }
  lx.pos = start;
  return null;
}

function readCalculation(lx: Lexer, depth: number): CalculationToken | null {
  const start = lx.pos;
  if (!openKeyword(lx, 'calc')) return null;
  const expr = readSum(lx, depth);
  lx.skipWs();
  if (expr && lx.eat('}')) return { kind: 'calculation', expr, offset: start };
  lx.pos = start;
  return null;
}

/** token := conditional | calculation | repetition | substitution, tried in that order at `#{`. */
export function readToken(lx: Lexer, depth: number): Token | null {
  if (depth > LIMITS.parseDepth) {
    lx.fail(`nesting no deeper than ${LIMITS.parseDepth} levels`);
    return null;
  }
  return (
    readConditional(lx, depth) ??
    readCalculation(lx, depth) ??
    readRepetition(lx, depth) ??
    readSubstitution(lx, depth)
  );
}
