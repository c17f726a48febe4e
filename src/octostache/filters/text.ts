import { dotnetTrim } from '../chars';
import { parseInt32 } from './numbers';
import type { FilterFamily } from './types';

const INDENT_SIZES = /^(?:(\d{1,3})?(\/))?(\d{1,3})$/;

function indents(args: readonly string[]): [string, string] | null {
  if (args.length === 0) return ['    ', '    '];
  if (args.length === 2) return [args[0]!, args[1]!];
  if (args.length > 2) return null;
  const arg = args[0]!;
  const m = INDENT_SIZES.exec(arg);
  if (!m) return [arg, arg];
  const other = Number(m[3]);
  const first = m[2] ? Number(m[1] ?? 0) : other;
  if (first > 255 || other > 255) return [arg, arg];
  return [' '.repeat(first), ' '.repeat(other)];
}

const nonNegative = (text: string | undefined): number | null => {
  const n = text === undefined ? null : parseInt32(text);
  return n === null || n < 0 ? null : n;
};

export const textFilters: FilterFamily = {
  /** @example `#{foo | Trim}`, `#{foo | Trim start}`, `#{foo | Trim end}` */
  Trim: (input, args) => {
    if (input === null || args.length > 1) return null;
    const side = args[0]?.toLowerCase();
    if (side === undefined) return dotnetTrim(input);
    if (side === 'start') return dotnetTrim(input, true, false);
    if (side === 'end') return dotnetTrim(input, false, true);
    return null;
  },
  /** @example `#{foo | Substring 7}` → first 7 characters; `#{foo | Substring 8 6}` → 6 from index 8 */
  Substring: (input, args) => {
    if (input === null || args.length === 0 || args.length > 2) return null;
    const start = args.length === 2 ? nonNegative(args[0]) : 0;
    const length = nonNegative(args[args.length - 1]);
    if (start === null || length === null || start > input.length) return null;
    return input.substr(start, Math.min(length, input.length - start));
  },
  /** @example `#{foo | Truncate 7}` → `Octopus...`; `#{foo | Truncate 7 ""}` → `Octopus` */
  Truncate: (input, args) => {
    if (input === null || args.length === 0 || args.length > 2) return null;
    const length = nonNegative(args[0]);
    if (length === null) return null;
    return length < input.length ? input.slice(0, length) + (args[1] ?? '...') : input;
  },
  /** @example `#{foo | Append " " bar}` → `foo bar` */
  Append: (input, args) => (args.length ? (input ?? '') + args.join('') : null),
  /** @example `#{foo | Prepend "x-"}` → `x-foo` */
  Prepend: (input, args) => (args.length ? args.join('') + (input ?? '') : null),
  /** @example `#{foo | Indent /2}` → no indent on the first line, 2 spaces on the others */
  Indent: (input, args) => {
    if (input === null) return null;
    const pair = indents(args);
    if (!pair) return null;
    if (input === '') return '';
    return pair[0] + input.replace(/\n/g, '\n' + pair[1]);
  },
};
