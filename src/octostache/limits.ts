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
