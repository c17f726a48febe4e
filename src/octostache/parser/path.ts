import type { SourceText, Step, SymbolPath } from '../ast';
import { dotnetTrim, isNameChar, isWhiteSpace } from '../chars';
import { lineColumn, type Lexer } from '../lexer';
import { LIMITS } from '../limits';

function keywordFollows(src: string, at: number): boolean {
  const c = src.charAt(at);
  const word = c === 'i' || c === 'I' ? 'in' : c === '=' ? '==' : c === '!' ? '!=' : null;
  if (!word) return false;
  const second = src.charAt(at + 1);
  const matches = word === 'in' ? second === 'n' || second === 'N' : second === '=';
  return matches && isWhiteSpace(src.charAt(at + 2));
}

/**
 * identifier := (letter | digit | whitespace | _ - : / ~ ( ) @)+, trimmed. A whitespace
 * character is not taken when followed by `|`, `}` or a keyword (`in`, `==`, `!=`) plus space.
 */
export function readIdentifier(lx: Lexer): { text: string; offset: number } | null {
  const src = lx.src;
  const start = lx.pos;
  let i = start;
  while (i < src.length) {
    const c = src.charAt(i);
    if (isWhiteSpace(c)) {
      const next = src.charAt(i + 1);
      if (next === '|' || next === '}' || keywordFollows(src, i + 1)) break;
      i++;
    } else if (isNameChar(c)) {
      i++;
    } else {
      break;
    }
  }
  if (i === start) {
    lx.fail('identifier');
    return null;
  }
  lx.pos = i;
  return { text: dotnetTrim(src.slice(start, i)), offset: start };
}

function posKey(offset: number, source: SourceText): string {
  if (offset < 0) return '';
  const { line, column } = lineColumn({ offset, source });
  return `${offset}:${line}:${column}`;
}

export function makePath(steps: Step[], source: SourceText): SymbolPath {
  return { kind: 'symbol', steps, source, key: null };
}

/** The recursion guard's identity of a path: step texts and source positions. */
export function pathKey(path: SymbolPath): string {
  return (path.key ??= path.steps
    .map((s) =>
      s.kind === 'name'
        ? `.${s.text}@${posKey(s.offset, path.source)}`
        : `[${s.symbol ? '#' + pathKey(s.symbol) : s.text}@${posKey(s.offset, path.source)}`
    )
    .join('\u0001'));
}

function readSymbolicIndexer(lx: Lexer, depth: number): SymbolPath | null {
  if (depth > LIMITS.parseDepth) return null;
  const save = lx.pos;
  lx.skipWs();
  if (lx.eat('#{')) {
    lx.skipWs();
    const path = readPath(lx, depth + 1);
    if (path) {
      lx.skipWs();
      if (lx.eat('}')) {
        lx.skipWs();
        if (lx.eat(']')) return path;
      }
    }
  }
  lx.pos = save;
  return null;
}

/** indexer := `[` `#{` path `}` `]` | `[` literal text with balanced brackets `]`. */
function readIndexer(lx: Lexer, depth: number): Step | null {
  const start = lx.pos;
  lx.pos++;
  const symbol = readSymbolicIndexer(lx, depth);
  if (symbol) return { kind: 'index', text: '', offset: start, symbol };
  lx.skipWs();
  const src = lx.src;
  const textStart = lx.pos;
  let nesting = 0;
  let i = textStart;
  for (; i < src.length; i++) {
    const c = src.charAt(i);
    if (c === '[') nesting++;
    else if (c === ']') {
      if (nesting === 0) break;
      nesting--;
    }
  }
  if (i >= src.length) {
    lx.pos = i;
    lx.fail(']');
    lx.pos = start;
    return null;
  }
  lx.pos = i + 1;
  return { kind: 'index', text: src.slice(textStart, i), offset: start, symbol: null };
}

/** path := identifier ( `.` identifier | indexer )* */
export function readPath(lx: Lexer, depth: number): SymbolPath | null {
  const first = readIdentifier(lx);
  if (!first) return null;
  const steps: Step[] = [{ kind: 'name', text: first.text, offset: first.offset }];
  for (;;) {
    const c = lx.peek();
    if (c === '.') {
      const save = lx.pos;
      lx.pos++;
      const id = readIdentifier(lx);
      if (!id) {
        lx.pos = save;
        break;
      }
      steps.push({ kind: 'name', text: id.text, offset: id.offset });
    } else if (c === '[') {
      const step = readIndexer(lx, depth);
      if (!step) break;
      steps.push(step);
    } else {
      break;
    }
  }
  return makePath(steps, lx.source);
}
