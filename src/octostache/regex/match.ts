import { LimitExceededError } from '../errors';
import type { Pattern, RegexNode } from './ast';
import { WORD } from './classes';

type Cont = (i: number) => boolean;
type Matcher = (i: number, k: Cont) => boolean;

export interface Match {
  index: number;
  end: number;
  /** [start, end] per group (group 0 = whole match); -1 when the group did not take part. */
  groups: number[];
}

class BudgetExceeded extends Error {}

/** Backtracking matcher compiled to closures; every step is counted against `limit`. */
export class Regex {
  private s = '';
  private caps: number[] = [];
  private searchStart = 0;
  private readonly matcher: Matcher;
  steps = 0;

  constructor(
    readonly pattern: Pattern,
    private limit: number
  ) {
    this.matcher = this.compile(pattern.root);
  }

  private tick(): void {
    if (++this.steps > this.limit) throw new BudgetExceeded();
  }

  private isWordAt(i: number): boolean {
    return i >= 0 && i < this.s.length && WORD(this.s.charCodeAt(i));
  }

  private assert(kind: Extract<RegexNode, { t: 'assert' }>['kind'], i: number): boolean {
    const s = this.s;
    const n = s.length;
    switch (kind) {
      case 'start':
      case 'A':
        return i === 0;
      case 'lineStart':
        return i === 0 || s.charCodeAt(i - 1) === 10;
      case 'end':
      case 'Z':
        return i === n || (i === n - 1 && s.charCodeAt(i) === 10);
      case 'lineEnd':
        return i === n || s.charCodeAt(i) === 10;
      case 'z':
        return i === n;
      case 'b':
        return this.isWordAt(i - 1) !== this.isWordAt(i);
      case 'B':
        return this.isWordAt(i - 1) === this.isWordAt(i);
      case 'G':
        return i === this.searchStart;
    }
  }

  private repeat(node: Extract<RegexNode, { t: 'repeat' }>): Matcher {
    const { min, max, greedy } = node;
    const body = node.body;
    if (body.t === 'char' && greedy) {
      const test = body.test;
      return (i, k) => {
        let n = 0;
        while (n < max && i + n < this.s.length && test(this.s.charCodeAt(i + n))) {
          this.tick();
          n++;
        }
        for (; n >= min; n--) {
          this.tick();
          if (k(i + n)) return true;
        }
        return false;
      };
    }
    const inner = this.compile(body);
    const step = (i: number, count: number, k: Cont): boolean => {
      this.tick();
      const more = (): boolean =>
        count < max && inner(i, (j) => (j === i && count >= min ? false : step(j, count + 1, k)));
      if (greedy) return more() || (count >= min && k(i));
      return (count >= min && k(i)) || more();
    };
    return (i, k) => step(i, 0, k);
  }

  private compile(node: RegexNode): Matcher {
    switch (node.t) {
      case 'char': {
        const test = node.test;
        return (i, k) => {
          this.tick();
          return i < this.s.length && test(this.s.charCodeAt(i)) && k(i + 1);
        };
      }
      case 'seq':
        return node.items
          .map((item) => this.compile(item))
          .reduceRight<Matcher>(
            (next, item) => (i, k) => item(i, (j) => next(j, k)),
            (i, k) => k(i)
          );
      case 'alt': {
        const alts = node.alts.map((a) => this.compile(a));
        return (i, k) => alts.some((a) => a(i, k));
      }
      case 'group': {
        const body = this.compile(node.body);
        const at = node.index * 2;
        return (i, k) =>
          body(i, (j) => {
            const [s0, s1] = [this.caps[at]!, this.caps[at + 1]!];
            this.caps[at] = i;
            this.caps[at + 1] = j;
            if (k(j)) return true;
            this.caps[at] = s0;
            this.caps[at + 1] = s1;
            return false;
          });
      }
      case 'repeat':
        return this.repeat(node);
      case 'assert': {
        const kind = node.kind;
        return (i, k) => this.assert(kind, i) && k(i);
      }
      case 'look': {
        const body = this.compile(node.body);
        const { ahead, negate } = node;
        return (i, k) => {
          const saved = this.caps.slice();
          let hit = false;
          if (ahead) hit = body(i, () => true);
          else for (let j = i; j >= 0 && !hit; j--) hit = body(j, (e) => e === i);
          if (hit === negate) {
            this.caps = saved;
            return false;
          }
          if (negate) this.caps = saved;
          if (k(i)) return true;
          this.caps = saved;
          return false;
        };
      }
      case 'backref': {
        const at = node.index * 2;
        const fold = node.ignoreCase
          ? (x: string): string => x.toLowerCase()
          : (x: string): string => x;
        return (i, k) => {
          this.tick();
          const start = this.caps[at] ?? -1;
          if (start < 0) return false;
          const text = this.s.slice(start, this.caps[at + 1]);
          return fold(this.s.slice(i, i + text.length)) === fold(text) && k(i + text.length);
        };
      }
      case 'atomic': {
        const body = this.compile(node.body);
        return (i, k) => {
          let end = -1;
          body(i, (j) => ((end = j), true));
          return end >= 0 && k(end);
        };
      }
    }
  }

  /** First match at or after `from`; throws LimitExceededError when the step budget runs out. */
  exec(s: string, from: number): Match | null {
    this.s = s;
    this.searchStart = from;
    try {
      for (let start = from; start <= s.length; start++) {
        this.caps = new Array<number>((this.pattern.groupCount + 1) * 2).fill(-1);
        let end = -1;
        if (this.matcher(start, (j) => ((end = j), true))) {
          this.caps[0] = start;
          this.caps[1] = end;
          return { index: start, end, groups: this.caps };
        }
      }
      return null;
    } catch (e) {
      if (e instanceof BudgetExceeded || e instanceof RangeError) {
        throw new LimitExceededError(
          'Regular expression is too expensive for this input (matching step budget exhausted)'
        );
      }
      throw e;
    }
  }
}
