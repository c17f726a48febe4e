import type { Template, Token } from '../ast';
import { TemplateSyntaxError } from '../errors';
import { Lexer, lineColumn } from '../lexer';
import { isElseTag, readToken } from './tokens';

/** A `#{` that ends a block body: `#{/...}`, `#{else}`, `#{elseif `. */
function isBlockBoundary(src: string, at: number): boolean {
  return src.startsWith('#{/', at) || isElseTag(src, at);
}

function syntaxError(lx: Lexer, start = lx.furthest): TemplateSyntaxError {
  const pos = lineColumn(lx.position(lx.furthest));
  const c = lx.src.charAt(lx.furthest);
  const unexpected = c ? `unexpected '${c}'` : 'unexpected end of input';
  const expected = lx.expected ? `; expected ${lx.expected}` : '';
  return new TemplateSyntaxError(
    `Parsing failure: ${unexpected}${expected} (Line ${pos.line}, Column ${pos.column})`,
    lx.furthest,
    pos.line,
    pos.column,
    start
  );
}

/**
 * Text and tokens until the end or a block boundary. At the top level a failed token is fatal
 * (`errors` undefined) or recovered from by copying the text up to the furthest failure.
 */
export function readTokens(
  lx: Lexer,
  depth: number,
  topLevel: boolean,
  errors?: TemplateSyntaxError[],
  sink?: (token: Token) => void
): Token[] | null {
  const src = lx.src;
  const tokens: Token[] = [];
  const emit = sink ?? ((t: Token): number => tokens.push(t));
  let text = '';
  const flush = (): void => {
    if (text) emit({ kind: 'text', text });
    text = '';
  };
  while (lx.pos < src.length) {
    const hash = src.indexOf('#', lx.pos);
    if (hash < 0) {
      text += src.slice(lx.pos);
      lx.pos = src.length;
      break;
    }
    text += src.slice(lx.pos, hash);
    lx.pos = hash;
    const next = src.charAt(hash + 1);
    if (next !== '{') {
      if (next === '#' && src.startsWith('#{', hash + 2)) {
        text += '#';
      } else if (next === '#' && src.charAt(hash + 2) === '{') {
        text += '#{';
        lx.pos++;
      } else {
        text += src.slice(hash, hash + 2);
      }
      lx.pos += 2;
      continue;
    }
    if (topLevel) {
      lx.furthest = hash;
      lx.expected = '';
    }
    if (!topLevel && isBlockBoundary(src, hash)) break;
    const token = isBlockBoundary(src, hash) ? null : readToken(lx, depth);
    if (token) {
      flush();
      emit(token);
      continue;
    }
    if (!topLevel) return null;
    if (isBlockBoundary(src, hash)) lx.fail('a token');
    if (!errors) return null;
    errors.push(syntaxError(lx, hash));
    const end = Math.max(lx.furthest, hash + 2);
    text += src.slice(hash, end);
    lx.pos = end;
  }
  flush();
  return tokens;
}

export type ParseResult =
  | { ok: true; template: Template; errors: TemplateSyntaxError[] }
  | { ok: false; error: TemplateSyntaxError };

/**
 * haltOnError: the whole template fails on the first bad token; otherwise bad text is kept.
 * With a sink (continue mode only) top-level tokens are handed over as parsed, not collected.
 */
export function parseTemplate(
  src: string,
  haltOnError: boolean,
  sink?: (token: Token) => void
): ParseResult {
  const lx = new Lexer(src);
  const errors: TemplateSyntaxError[] = [];
  const tokens = readTokens(
    lx,
    0,
    true,
    haltOnError ? undefined : errors,
    haltOnError ? undefined : sink
  );
  if (!tokens) return { ok: false, error: syntaxError(lx) };
  return { ok: true, template: { tokens }, errors };
}
