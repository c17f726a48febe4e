import { EvaluationError } from '../errors';
import type { FilterFamily } from './types';

type Encoding = 'utf8' | 'utf16le';

export function encodingOf(name: string | undefined): Encoding | null {
  switch ((name ?? 'utf8').toLowerCase()) {
    case 'utf8':
    case 'utf-8':
      return 'utf8';
    case 'unicode':
      return 'utf16le';
    default:
      return null;
  }
}

/** Convert.FromBase64String: whitespace ignored, length a multiple of 4, padding only at the end. */
export function decodeBase64(text: string): Buffer | null {
  const s = text.replace(/[ \t\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  return Buffer.from(s, 'base64');
}

export const encodingFilters: FilterFamily = {
  /** @example `#{Bar | ToBase64}` with Bar = `Baz` → `QmF6`; `#{Bar | ToBase64 unicode}` → `QgBhAHoA` */
  ToBase64: (input, args) => {
    const encoding = encodingOf(args[0]);
    if (input === null || args.length > 1 || !encoding) return null;
    return Buffer.from(input, encoding).toString('base64');
  },
  /** @example `#{Bar | FromBase64}` with Bar = `QmF6` → `Baz` */
  FromBase64: (input, args) => {
    const encoding = encodingOf(args[0]);
    if (input === null || args.length > 1 || !encoding) return null;
    const bytes = decodeBase64(input);
    if (!bytes) {
      throw new EvaluationError(
        'The input is not a valid Base-64 string as it contains a non-base 64 character, more ' +
          'than two padding characters, or an illegal character among the padding characters.'
      );
    }
    return bytes.toString(encoding);
  },
};
