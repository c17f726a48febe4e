import type { Expression, FilterCall, FilterOption, Token } from '../ast';
import { isNameChar } from '../chars';
import type { Lexer } from '../lexer';
import { readPath } from './path';
import { readToken } from './tokens';

/** `"text without # or quote"` or `\"any text\"`; returns null (position restored) otherwise. */
export function readStringLiteral(lx: Lexer): string | null {
  const src = lx.src;
  const start = lx.pos;
  if (lx.startsWith('\\"')) {
    const end = src.indexOf('\\"', start + 2);
    if (end < 0) {
      lx.pos = src.length;
      lx.fail('\\"');
      lx.pos = start;
      return null;
    }
    lx.pos = end + 2;
    return src.slice(start + 2, end);
  }
  if (lx.peek() !== '"') {
    lx.fail('"');
    return null;
  }
  let i = start + 1;
  while (i < src.length && src.charAt(i) !== '"' && src.charAt(i) !== '#') i++;
  if (src.charAt(i) !== '"') {
    lx.pos = i;
    lx.fail('"');
    lx.pos = start;
    return null;
  }
  lx.pos = i + 1;
  return src.slice(start + 1, i);
}

function readNestedOption(lx: Lexer, depth: number): Token | null {
  if (!lx.startsWith('#{') || lx.startsWith('#{/')) return null;
  const save = lx.pos;
  const token = readToken(lx, depth + 1);
  if (!token) lx.pos = save;
  return token;
}

/** option := nested token | bareword ws* | ws* quoted ws* */
function readOptions(lx: Lexer, depth: number): FilterOption[] {
  const options: FilterOption[] = [];
  for (;;) {
    const nested = readNestedOption(lx, depth);
    if (nested) {
      options.push({ kind: 'token', token: nested });
      continue;
    }
    if (isNameChar(lx.peek())) {
      const word = lx.readName();
      lx.skipWs();
      options.push({ kind: 'text', text: word });
      continue;
    }
    const save = lx.pos;
    lx.skipWs();
    const quoted = readStringLiteral(lx);
    if (quoted === null) {
      lx.pos = save;
      return options;
    }
    lx.skipWs();
    options.push({ kind: 'text', text: quoted });
  }
}

/** A path, or a filter chain `[path] ( | name option* )+`. Trailing whitespace after a bare path is left. */
export function readExpression(lx: Lexer, depth: number): Expression | null {
  const start = lx.pos;
  const path = readPath(lx, depth);
  const afterPath = lx.pos;
  if (path) lx.skipWs();
  if (lx.peek() !== '|') {
    if (path) {
      lx.pos = afterPath;
      return path;
    }
    lx.fail('|');
    lx.pos = start;
    return null;
  }
  const filters: FilterCall[] = [];
  while (lx.peek() === '|') {
    const save = lx.pos;
    lx.pos++;
    lx.skipWs();
    const name = lx.readName();
    if (!name) {
      lx.pos = save;
      break;
    }
    lx.skipWs();
    filters.push({ name, options: readOptions(lx, depth) });
  }
  if (filters.length === 0) {
    lx.pos = start;
    return null;
  }
  return { kind: 'chain', input: path, filters };
}
