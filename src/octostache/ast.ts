/** Where a parsed element came from: an offset into a source (line/column computed on demand). */
export interface Position {
  offset: number;
  source: SourceText;
}

/** The text a template was parsed from, with a lazily built line index. */
export interface SourceText {
  text: string;
  lineStarts: number[] | null;
}

export type Step =
  | { kind: 'name'; text: string; offset: number }
  | { kind: 'index'; text: string; offset: number; symbol: SymbolPath | null };

/** A variable reference such as `Octopus.Action[#{Package}].Name`. */
export interface SymbolPath {
  kind: 'symbol';
  steps: Step[];
  /** Source of the step offsets (an offset of -1 means "no position"). */
  source: SourceText;
  /** Identity used by the recursion guard (step texts plus positions), computed on demand. */
  key: string | null;
}

export type FilterOption = { kind: 'text'; text: string } | { kind: 'token'; token: Token };

export interface FilterCall {
  name: string;
  options: FilterOption[];
}

export interface FilterChain {
  kind: 'chain';
  input: SymbolPath | null;
  filters: FilterCall[];
}

export type Expression = SymbolPath | FilterChain;

export type Operand = Expression | { kind: 'string'; text: string };

export type CalcExpr =
  | { kind: 'number'; value: number }
  | { kind: 'ref'; path: SymbolPath }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: CalcExpr; right: CalcExpr };

export interface TextToken {
  kind: 'text';
  text: string;
}

export interface SubstitutionToken {
  kind: 'substitution';
  expr: Expression;
  offset: number;
}

export interface ConditionalToken {
  kind: 'conditional';
  left: Expression;
  comparison: { equal: boolean; right: Operand } | null;
  truthy: Token[];
  falsy: Token[];
  offset: number;
}

export interface RepetitionToken {
  kind: 'repetition';
  item: string;
  collection: SymbolPath;
  body: Token[];
  offset: number;
}

export interface CalculationToken {
  kind: 'calculation';
  expr: CalcExpr;
  offset: number;
}

export type Token =
  TextToken | SubstitutionToken | ConditionalToken | RepetitionToken | CalculationToken;

export interface Template {
  tokens: Token[];
}
