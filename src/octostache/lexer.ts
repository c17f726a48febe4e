import type { Position, SourceText } from './ast';
import { isNameChar, isWhiteSpace } from './chars';

/**
 * Character cursor shared by the parser productions. Failures are recorded at the furthest
 * position reached, which is where continue-on-error recovery resumes and what errors report.
 */
export class Lexer {
  pos = 0;
  furthest = 0;
  expected = '';
  readonly source: SourceText;

  constructor(readonly src: string) {
    this.source = { text: src, lineStarts: null };
  }

  get done(): boolean {
    return this.pos >= this.src.length;
  }

  peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  startsWith(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  /** Consumes `text` if present. */
  eat(text: string): boolean {
    if (!this.src.startsWith(text, this.pos)) return this.fail(text);
    this.pos += text.length;
    return true;
  }

  /** Consumes a lower-case ASCII keyword case-insensitively. */
  eatKeyword(word: string): boolean {
    if (!matchesKeyword(this.src, this.pos, word)) return this.fail(word);
    this.pos += word.length;
    return true;
  }

  /** Records a failure at the current position and returns false. */
  fail(expected: string): false {
    if (this.pos > this.furthest) {
      this.furthest = this.pos;
      this.expected = expected;
    } else if (this.pos === this.furthest && !this.expected) {
      this.expected = expected;
    }
    return false;
  }

  skipWs(): number {
    const start = this.pos;
    while (this.pos < this.src.length && isWhiteSpace(this.src.charAt(this.pos))) this.pos++;
    return this.pos - start;
  }

  /** One or more whitespace characters. */
  requireWs(): boolean {
    return this.skipWs() > 0 || this.fail('whitespace');
  }

  readName(): string {
    const start = this.pos;
    while (this.pos < this.src.length && isNameChar(this.src.charAt(this.pos))) this.pos++;
    if (this.pos === start) this.fail('name');
    return this.src.slice(start, this.pos);
  }

  position(offset = this.pos): Position {
    return { offset, source: this.source };
  }
}

/** Case-insensitive match of a lower-case ASCII word at `at`, without allocating. */
export function matchesKeyword(src: string, at: number, word: string): boolean {
  if (at + word.length > src.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((src.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** 1-based line and column of a position. */
export function lineColumn(pos: Position): { line: number; column: number } {
  const source = pos.source;
  if (!source.lineStarts) {
    const starts = [0];
    for (let i = source.text.indexOf('\n'); i >= 0; i = source.text.indexOf('\n', i + 1))
      starts.push(i + 1);
    source.lineStarts = starts;
  }
  const starts = source.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= pos.offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: pos.offset - (starts[lo] ?? 0) + 1 };
}
