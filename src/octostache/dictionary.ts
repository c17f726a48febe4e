import { buildBinding, type Node } from './binding';
import { dotnetTrim } from './chars';
import { run } from './engine';
import { OctostacheError } from './errors';
import { Evaluator } from './evaluate';
import { parseInt32 } from './filters/numbers';
import { itemsOf } from './iterate';
import { Lexer } from './lexer';
import { readPath } from './parser/path';
import { walkTo } from './resolve';
import { Report, Scope } from './scope';
import { isTruthy } from './truthiness';

export interface Evaluation {
  text: string | null;
  /** The reference's error text: the parse error, or the list of unevaluated tokens. */
  error: string | null;
}

/** A variable set with the VariableDictionary operations (names are case-insensitive). */
export class VariableDictionary {
  private readonly raw = new Map<string, { name: string; value: string }>();
  private tree: Node | null = null;

  constructor(variables: Record<string, string> | Iterable<readonly [string, string]> = []) {
    const entries = Symbol.iterator in variables ? variables : Object.entries(variables);
    for (const [name, value] of entries) this.set(name, value);
  }

  set(name: string, value: string | null | undefined): void {
    const key = name.toLowerCase();
    const existing = this.raw.get(key);
    this.raw.set(key, { name: existing?.name ?? name, value: value ?? '' });
    this.tree = null;
  }

  get binding(): Node {
    return (this.tree ??= buildBinding(
      [...this.raw.values()].map((v) => [v.name, v.value] as const)
    ));
  }

  getRaw(name: string): string | null {
    return this.raw.get(name.toLowerCase())?.value ?? null;
  }

  /** Evaluate(template, haltOnError); engine errors (recursion...) propagate as exceptions. */
  evaluate(template: string, haltOnError = true): Evaluation {
    const result = run(template, this.binding, { haltOnError, catchErrors: false });
    const syntax = result.syntaxErrors[0];
    if (syntax && haltOnError) return { text: result.text, error: syntax.message };
    const tokens = [...result.missing.keys()];
    const error = tokens.length
      ? `The following tokens were unable to be evaluated: ${tokens.map((t) => `'${t}'`).join(', ')}`
      : null;
    return { text: result.text, error };
  }

  get(name: string): string | null {
    const raw = this.getRaw(name);
    return raw === null ? null : this.evaluate(raw).text;
  }

  getFlag(name: string, defaultValue = false): boolean {
    const value = dotnetTrim(this.get(name) ?? '').toLowerCase();
    return value === 'true' ? true : value === 'false' ? false : defaultValue;
  }

  getInt32(name: string): number | null {
    const value = this.get(name);
    return value === null ? null : parseInt32(value);
  }

  require(name: string): string {
    const value = this.get(name);
    if (!value)
      throw new OctostacheError(`The variable '${name}' is required but no value is set.`);
    return value;
  }

  evaluateTruthy(template: string): boolean {
    const { text, error } = this.evaluate(template);
    return error === null && text !== null && isTruthy(text);
  }

  /** The item values a `#{each}` over `path` would produce. */
  getIndexes(path: string): string[] {
    const symbol = readPath(new Lexer(path), 0);
    if (!symbol) return [];
    const node = walkTo(symbol, new Scope(this.binding, null), new Evaluator(false), new Report());
    return node ? itemsOf(node).map((item) => item.value ?? '') : [];
  }

  saveAsString(): string {
    const object = Object.fromEntries([...this.raw.values()].map((v) => [v.name, v.value]));
    return JSON.stringify(object, null, 2);
  }
}
