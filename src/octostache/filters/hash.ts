import { createHash } from 'node:crypto';
import { decodeBase64, encodingOf } from './encoding';
import type { Filter, FilterFamily } from './types';

type Options = { bytes: (input: string) => Buffer | null; size: number };

/** Up to two options in either order: an encoding (utf8, utf-8, unicode, base64) and a byte count. */
function parseOptions(args: readonly string[]): Options | null {
  if (args.length > 2) return null;
  let encoding: string | null = null;
  let size: number | null = null;
  for (const arg of args) {
    if (/^[+-]?\d+$/.test(arg.trim())) {
      const n = Number(arg);
      if (size !== null || n <= 0) return null;
      size = n;
    } else {
      if (encoding !== null) return null;
      encoding = arg.toLowerCase();
    }
  }
  if (encoding === 'base64') return { bytes: decodeBase64, size: size ?? Infinity };
  const text = encodingOf(encoding ?? undefined);
  if (!text) return null;
  return { bytes: (input) => Buffer.from(input, text), size: size ?? Infinity };
}

function hashFilter(algorithm: string): Filter {
  return (input, args) => {
    const options = parseOptions(args);
    if (input === null || !options) return null;
    const bytes = options.bytes(input);
    if (!bytes) return null;
    const digest = createHash(algorithm).update(bytes).digest();
    return digest.subarray(0, Math.min(digest.length, options.size)).toString('hex');
  };
}

export const hashFilters: FilterFamily = {
  /** @example `#{foo | Md5}` with foo = `` → `d41d8cd98f00b204e9800998ecf8427e`; `#{foo | Md5 4}` → `d41d8cd9` */
  Md5: hashFilter('md5'),
  Sha1: hashFilter('sha1'),
  Sha256: hashFilter('sha256'),
  Sha384: hashFilter('sha384'),
  Sha512: hashFilter('sha512'),
};
