import type { FilterFamily } from './types';

/** Per-character mapping without expansions (.NET: 'ß' stays 'ß' in ToUpper). */
function mapChars(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += [...m].length === 1 ? m : c;
  }
  return out;
}

export const caseFilters: FilterFamily = {
  /** @example `#{Foo | ToUpper}` with Foo = `Abc` → `ABC` */
  ToUpper: (input, args) =>
    input === null || args.length ? null : mapChars(input, (c) => c.toUpperCase()),
  /** @example `#{Foo | ToLower}` with Foo = `Abc` → `abc` */
  ToLower: (input, args) =>
    input === null || args.length ? null : mapChars(input, (c) => c.toLowerCase()),
};
