import { EvaluationError } from '../errors';
import { LIMITS, type Budget } from '../limits';
import type { Pattern } from '../regex/ast';
import { Regex } from '../regex/match';
import { parseRegex } from '../regex/parse';
import { replaceAll } from '../regex/replace';
import type { FilterFamily } from './types';

const cache = new Map<string, Pattern>();

/**
 * Runs `work` with a .NET-dialect regex interpreted by a backtracking matcher whose steps are
 * charged to the evaluation's budget, so a catastrophic pattern ends with an error, not a hang.
 */
function withRegex<T>(source: string, budget: Budget, work: (re: Regex) => T): T {
  if (source.length > LIMITS.regexPatternLength) {
    throw new EvaluationError(
      `Regular expression longer than ${LIMITS.regexPatternLength} characters`
    );
  }
  let pattern = cache.get(source);
  if (!pattern) {
    pattern = parseRegex(source);
    if (cache.size > 500) cache.clear();
    cache.set(source, pattern);
  }
  const re = new Regex(pattern, budget.regexAllowance());
  try {
    return work(re);
  } finally {
    budget.regex(re.steps);
  }
}

export const regexFilters: FilterFamily = {
  /** @example `#{foo | Match "[0-9]+"}` → `true` when foo contains a digit */
  Match: (input, args, budget) => {
    if (input === null || args.length !== 1) return null;
    return withRegex(args[0]!, budget, (re) => String(re.exec(input, 0) !== null));
  },
  /** @example `#{foo | Replace "o(.+)o([a-z]*)s" "o$2o$1s"}` with foo = `opuocts` → `octopus` */
  Replace: (input, args, budget) => {
    if (input === null || args.length === 0) return null;
    return withRegex(args[0]!, budget, (re) => replaceAll(re, input, args[1] ?? ''));
  },
};

const comparison =
  (test: (input: string, arg: string) => boolean): FilterFamily[string] =>
  (input, args) =>
    input === null || args.length !== 1 ? null : String(test(input, args[0]!));

export const compareFilters: FilterFamily = {
  /** @example `#{foo | StartsWith abc}` → `true` / `false` (ordinal, case-sensitive) */
  StartsWith: comparison((input, arg) => input.startsWith(arg)),
  EndsWith: comparison((input, arg) => input.endsWith(arg)),
  Contains: comparison((input, arg) => input.includes(arg)),
};
