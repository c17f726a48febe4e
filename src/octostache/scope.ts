import type { SymbolPath } from './ast';
import { Node } from './binding';

/**
 * A level of lookup: the variable tree at the root, loop variables in `#{each}` bodies, and an
 * empty level for every value expansion. `stack` holds the paths being resolved here.
 */
export class Scope {
  readonly stack: SymbolPath[] = [];

  constructor(
    readonly binding: Node,
    readonly parent: Scope | null
  ) {}

  child(): Scope {
    return new Scope(new Node(), this);
  }
}

/** Missing tokens (echo text → position of the top-level token) plus the `null`-filter flag. */
export class Report {
  nulled = false;

  constructor(readonly missing: Map<string, number> = new Map()) {}

  addMissing(echo: string, position: number): void {
    if (!this.missing.has(echo)) this.missing.set(echo, position);
  }

  /** A report for a nested evaluation: shares missing tokens, not the null flag. */
  nested(): Report {
    return new Report(this.missing);
  }
}
