/** Character classes with .NET semantics (char.IsWhiteSpace, char.IsLetter, char.IsDigit). */

const WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LETTER_OR_DIGIT = /[\p{L}\p{Nd}]/u;

export function isWhiteSpace(c: string): boolean {
  if (c === ' ') return true;
  if (c > ' ' && c < '\u0085') return false;
  return WHITESPACE.test(c);
}

export function isLetterOrDigit(c: string): boolean {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (c < '\u0080') return false;
  return LETTER_OR_DIGIT.test(c);
}

const SYMBOL_CHARS = '_-:/~()@';

/** Characters of filter names and bare-word options. */
export function isNameChar(c: string): boolean {
  return c.length === 1 && (isLetterOrDigit(c) || SYMBOL_CHARS.includes(c));
}

/** .NET String.Trim(): strips char.IsWhiteSpace from both ends. */
export function dotnetTrim(s: string, start = true, end = true): string {
  let a = 0;
  let b = s.length;
  if (start) while (a < b && isWhiteSpace(s.charAt(a))) a++;
  if (end) while (b > a && isWhiteSpace(s.charAt(b - 1))) b--;
  return s.slice(a, b);
}
