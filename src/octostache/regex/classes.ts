import type { CharTest } from './ast';

const uni =
  (re: RegExp): CharTest =>
  (c) =>
    re.test(String.fromCharCode(c));

export const WORD = uni(/[\p{L}\p{Mn}\p{Nd}\p{Pc}]/u);
export const DIGIT = uni(/\p{Nd}/u);
export const SPACE = uni(/[\f\n\r\t\v\u0085\p{Z}]/u);

export const not =
  (t: CharTest): CharTest =>
  (c) =>
    !t(c);

/** \p{Name}: Unicode general categories (L, Lu, Nd, ...); .NET named blocks are not supported. */
export function category(name: string): CharTest | null {
  if (!/^[A-Z][a-z]?$/.test(name)) return null;
  try {
    return uni(new RegExp(`\\p{${name}}`, 'u'));
  } catch {
    return null;
  }
}

export function caseless(t: CharTest): CharTest {
  return (c) => {
    if (t(c)) return true;
    const s = String.fromCharCode(c);
    const lower = s.toLowerCase();
    const upper = s.toUpperCase();
    return (
      (lower.length === 1 && t(lower.charCodeAt(0))) ||
      (upper.length === 1 && t(upper.charCodeAt(0)))
    );
  };
}
