// Masks sensitive values in log text: every form of every secret (mask-forms.ts) in what a
// terminal would display (display.ts), in one pass whatever the number of secrets (matcher.ts).

import { displayed, displayView } from './display';
import { base64Forms, isMaskable, MIN_LENGTH, textForms } from './mask-forms';
import { Matcher, type Carry } from './matcher';

export { base64Cores, maskForms } from './mask-forms';

export const MASK = '********';

interface Pattern {
  text: string;
  wraps: boolean;
}

interface Level {
  patterns: Pattern[];
  matcher: Matcher;
}

function patternsOf(secret: string): Pattern[] {
  const out = new Map<string, boolean>();
  const add = (text: string, wraps: boolean) => {
    for (const form of new Set([text, displayed(text)])) {
      if (form.length >= MIN_LENGTH) out.set(form, wraps || (out.get(form) ?? false));
    }
  };
  for (const form of textForms(secret)) add(form, false);
  for (const form of base64Forms(secret)) add(form, true);
  return [...out].map(([text, wraps]) => ({ text, wraps }));
}

/**
 * Secrets are added one at a time (a `mask` message at any point of the output), so the
 * automata follow the binary counter: a new level is merged with every level no larger than
 * itself. Each pattern is rebuilt O(log n) times and a line is scanned by O(log n) automata.
 */
export class Masker {
  private readonly secrets = new Set<string>();
  private pending: Pattern[] = [];
  private levels: Level[] = [];
  /** Per stream, per level: where the last line ended inside a wrapped base64 form. */
  private carries = new Map<string, Array<Carry | undefined>>();
  /** Work done by scans so far (transitions), for tests of the algorithm's shape. */
  steps = 0;

  /** Names of sensitive variables whose values are too short to mask (1–3 characters). */
  readonly tooShort = new Set<string>();

  /**
   * Adds a value to mask from now on. Values under four characters are never masked (as in
   * Octopus); with the variable's `name`, such a value is noted in `tooShort`.
   */
  add(secret: string | undefined, name?: string): void {
    if (secret === undefined) return;
    if (name !== undefined && secret.trim().length > 0 && secret.length < MIN_LENGTH) {
      this.tooShort.add(name);
    }
    if (!isMaskable(secret) || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.pending.push(...patternsOf(secret));
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Number of automata a line is scanned by. */
  get depth(): number {
    this.build();
    return this.levels.length;
  }

  private build(): void {
    if (this.pending.length === 0) return;
    let patterns = this.pending;
    this.pending = [];
    while (this.levels.length > 0) {
      const last = this.levels[this.levels.length - 1];
      if (!last || last.patterns.length > patterns.length) break;
      patterns = [...last.patterns, ...patterns];
      this.levels.pop();
    }
    this.levels.push({ patterns, matcher: new Matcher(patterns, MIN_LENGTH) });
    // A carried state belongs to an automaton that may just have been merged away.
    this.carries = new Map();
  }

  /**
   * Masks `text`. With a `stream`, consecutive lines of that stream are read as one where a
   * base64 form is wrapped across them (base64 -w76, PEM), and the parts on both lines masked;
   * with `cut`, the text was split at a length bound and any form may go on in the next one.
   */
  apply(text: string, stream?: string, cut = false): string {
    this.build();
    if (this.levels.length === 0) return text;
    const carried = stream === undefined ? undefined : this.carries.get(stream);
    if (text.length < MIN_LENGTH && carried === undefined) return text;
    const view = displayView(text);
    const spans: Array<[number, number]> = [];
    const nextCarry: Array<Carry | undefined> = [];
    let anyCarry = false;
    this.levels.forEach((level, index) => {
      const scan = level.matcher.scan(view.text, carried?.[index] ?? 0, cut);
      this.steps += scan.steps;
      spans.push(...scan.spans);
      nextCarry.push(scan.carry);
      if (scan.carry !== undefined) anyCarry = true;
    });
    if (stream !== undefined) {
      if (anyCarry) this.carries.set(stream, nextCarry);
      else this.carries.delete(stream);
    }
    if (spans.length === 0) return text;
    return replaceSpans(text, merge(spans, view.origin));
  }
}

/** Sorted, merged spans in the original text's indices. */
function merge(
  spans: Array<[number, number]>,
  origin: number[] | undefined
): Array<[number, number]> {
  const mapped = spans.map(([s, e]): [number, number] =>
    origin ? [origin[s] ?? 0, (origin[e - 1] ?? 0) + 1] : [s, e]
  );
  mapped.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const span of mapped) {
    const last = out[out.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else out.push([span[0], span[1]]);
  }
  return out;
}

function replaceSpans(text: string, spans: Array<[number, number]>): string {
  let out = '';
  let cursor = 0;
  for (const [start, end] of spans) {
    out += text.slice(cursor, start) + MASK;
    cursor = end;
  }
  return out + text.slice(cursor);
}
