/** Regular-expression AST for the .NET dialect subset the filters accept. */
export type CharTest = (code: number) => boolean;

export type RegexNode =
  | { t: 'char'; test: CharTest }
  | { t: 'seq'; items: RegexNode[] }
  | { t: 'alt'; alts: RegexNode[] }
  | { t: 'group'; index: number; body: RegexNode }
  | { t: 'repeat'; body: RegexNode; min: number; max: number; greedy: boolean }
  | {
      t: 'assert';
      kind: 'start' | 'end' | 'lineStart' | 'lineEnd' | 'A' | 'z' | 'Z' | 'b' | 'B' | 'G';
    }
  | { t: 'look'; ahead: boolean; negate: boolean; body: RegexNode }
  | { t: 'backref'; index: number; ignoreCase: boolean }
  | { t: 'atomic'; body: RegexNode };

export interface Pattern {
  root: RegexNode;
  groupCount: number;
  names: Map<string, number>;
}
