import { LimitExceededError } from './errors';

/** Safety limits; documented in docs/octostache.md. */
export const LIMITS = {
  /** Maximum nesting of blocks, symbolic indexers and nested filter options in one template. */
  parseDepth: 64,
  /** Maximum depth of variable values expanding other variable values. */
  expansionDepth: 64,
  /** Maximum characters produced by substitutions during one evaluation. */
  outputChars: 32 * 1024 * 1024,
  /** Maximum token evaluations (substitutions, blocks, loop iterations) in one evaluation. */
  steps: 2_000_000,
  /** Maximum items in one `#{each}` loop. */
  eachItems: 100_000,
  /** Maximum backtracking steps for all regular-expression filters in one evaluation. */
  regexSteps: 5_000_000,
  /** Maximum length of a pattern given to Match/Replace. */
  regexPatternLength: 2_000,
} as const;

/**
 * A step's whole expansion budget, over every evaluation of it (each variable, the script): a
 * few KB of values that reference each other twice per level stay under every per-evaluation
 * limit yet grow past memory across hundreds of variables. Not an OctostacheError, so no
 * lenient evaluation swallows it: it ends the step's rendering.
 */
export class ExpansionBudgetError extends Error {
  override readonly name = 'ExpansionBudgetError';
  constructor(
    readonly limitChars: number,
    /** The variable being evaluated when the budget ran out, when known. */
    readonly variable?: string
  ) {
    super(`Variable expansion exceeded the step's budget of ${limitChars} characters`);
  }
}

/** Counts the characters substitutions produce, at every level, against one limit. */
export class ExpansionMeter {
  used = 0;
  exceeded = false;
  constructor(readonly limitChars: number) {}

  charge(length: number): void {
    this.used += length;
    if (this.used > this.limitChars) {
      this.exceeded = true;
      throw new ExpansionBudgetError(this.limitChars);
    }
  }
}

// Evaluation is synchronous and nests deeply (values expanding values inside filters), so the
// step's meter is held for the length of one call rather than threaded through every frame.
let activeMeter: ExpansionMeter | null = null;

/** Runs `fn` with every evaluation inside it charged to `meter`. */
export function withExpansionMeter<T>(meter: ExpansionMeter, fn: () => T): T {
  const previous = activeMeter;
  activeMeter = meter;
  try {
    return fn();
  } finally {
    activeMeter = previous;
  }
}

/** Per-evaluation work meter: every evaluation gets a fresh one. */
export class Budget {
  private steps = 0;
  private chars = 0;
  private regexSteps = 0;
  depth = 0;

  step(): void {
    if (++this.steps > LIMITS.steps) {
      throw new LimitExceededError(
        `Evaluation exceeded ${LIMITS.steps} steps (too many substitutions or loop iterations)`
      );
    }
  }

  produced(length: number): void {
    activeMeter?.charge(length);
    this.chars += length;
    if (this.chars > LIMITS.outputChars) {
      throw new LimitExceededError(
        `Evaluation produced more than ${LIMITS.outputChars} characters (expansion too large)`
      );
    }
  }

  /** Steps the regular-expression filters may still use in this evaluation. */
  regexAllowance(): number {
    return Math.max(0, LIMITS.regexSteps - this.regexSteps);
  }

  regex(steps: number): void {
    this.regexSteps += steps;
    if (this.regexSteps > LIMITS.regexSteps) {
      throw new LimitExceededError(
        `Regular expressions exceeded ${LIMITS.regexSteps} matching steps (pattern too expensive)`
      );
    }
  }

  enter(): void {
    if (++this.depth > LIMITS.expansionDepth) {
      this.depth--;
      throw new LimitExceededError(
        `Variable values nest more than ${LIMITS.expansionDepth} levels deep`
      );
    }
  }

  leave(): void {
    this.depth--;
  }
}
