import type { Budget } from '../limits';

/** A filter gets the input (null when there is none) and its options; null means "cannot evaluate". */
export type Filter = (
  input: string | null,
  args: readonly string[],
  budget: Budget
) => string | null;

export type FilterFamily = Record<string, Filter>;
