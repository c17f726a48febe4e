import type { Budget } from '../limits';
import { caseFilters } from './case';
import { dateFilters } from './date';
import { encodingFilters } from './encoding';
import { escapeFilters } from './escape';
import { formatFilters } from './format';
import { hashFilters } from './hash';
import { markdownFilters } from './markdown';
import { compareFilters, regexFilters } from './regex';
import { textFilters } from './text';
import type { Filter } from './types';
import { uriFilters } from './uri';
import { versionFilters } from './version';

const families = {
  ...caseFilters,
  ...encodingFilters,
  ...hashFilters,
  ...escapeFilters,
  ...uriFilters,
  ...textFilters,
  ...regexFilters,
  ...compareFilters,
  ...formatFilters,
  ...dateFilters,
  ...versionFilters,
  ...markdownFilters,
  /** Always null; a top-level `| null` makes the whole evaluation null. */
  Null: () => null,
};

/** Built-in filters by lower-cased name (filter names are case-insensitive). */
export const builtInFilters: ReadonlyMap<string, Filter> = new Map(
  Object.entries(families).map(([name, f]) => [name.toLowerCase(), f as Filter])
);

/** Applies a filter; unknown names give null ("cannot evaluate"). */
export function callFilter(
  name: string,
  input: string | null,
  args: readonly string[],
  budget: Budget
): string | null {
  const filter = builtInFilters.get(name.toLowerCase());
  return filter ? filter(input, args, budget) : null;
}
