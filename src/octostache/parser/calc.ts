import type { CalcExpr } from '../ast';
import type { Lexer } from '../lexer';
import { readPath } from './path';

const NUMBER = /\d+(?:\.\d+)?/y;

function readFactor(lx: Lexer, depth: number): CalcExpr | null {
  lx.skipWs();
  NUMBER.lastIndex = lx.pos;
  const m = NUMBER.exec(lx.src);
  if (m) {
    lx.pos += m[0].length;
    return { kind: 'number', value: Number(m[0]) };
  }
  const save = lx.pos;
  if (lx.peek() === '(') {
    lx.pos++;
    const inner = readSum(lx, depth);
    lx.skipWs();
    if (inner && lx.eat(')')) return inner;
    lx.pos = save;
    return null;
  }
  if (lx.peek() === '{') {
    lx.pos++;
    const path = readPath(lx, depth);
    lx.skipWs();
    if (path && lx.eat('}')) return { kind: 'ref', path };
    lx.pos = save;
    return null;
  }
  const path = readPath(lx, depth);
  return path ? { kind: 'ref', path } : null;
}

function readBinary(
  lx: Lexer,
  depth: number,
  ops: string,
  operand: (lx: Lexer, depth: number) => CalcExpr | null
): CalcExpr | null {
  let left = operand(lx, depth);
  if (!left) return null;
  for (;;) {
    const save = lx.pos;
    lx.skipWs();
    const op = lx.peek();
    if (!op || !ops.includes(op)) {
      lx.pos = save;
      return left;
    }
    lx.pos++;
    const right = operand(lx, depth);
    if (!right) {
      lx.pos = save;
      return left;
    }
    left = { kind: 'binary', op: op as '+' | '-' | '*' | '/', left, right };
  }
}

function readProduct(lx: Lexer, depth: number): CalcExpr | null {
  return readBinary(lx, depth, '*/', readFactor);
}

/** sum := product (('+' | '-') product)*, product := factor (('*' | '/') factor)* */
export function readSum(lx: Lexer, depth: number): CalcExpr | null {
  if (depth > 200) return null;
  return readBinary(lx, depth + 1, '+-', readProduct);
}
