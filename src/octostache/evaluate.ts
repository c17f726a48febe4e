import type {
  CalcExpr,
  ConditionalToken,
  Expression,
  Operand,
  RepetitionToken,
  Token,
} from './ast';
import { Node } from './binding';
import { LimitExceededError, OctostacheError } from './errors';
import { callFilter } from './filters';
import { formatDouble, parseDouble } from './filters/numbers';
import { itemsOf } from './iterate';
import { Budget, LIMITS } from './limits';
import { parseValue } from './parse-cache';
import { printCalc, printExpression, printToken } from './print';
import { walkTo } from './resolve';
import { Report, Scope } from './scope';
import { isTruthy } from './truthiness';

export interface CaughtError {
  expression: string;
  position: number;
  error: OctostacheError;
}

type ChainResult = { value: string | null; nullFilter: boolean };

/**
 * Tree-walking evaluator. With `catchErrors`, an engine error inside a top-level token echoes
 * that token and is recorded in `caught` (lenient mode); otherwise errors propagate.
 */
export class Evaluator {
  readonly budget = new Budget();
  readonly caught: CaughtError[] = [];
  private origin = 0;
  private aborted = false;

  constructor(private readonly catchErrors: boolean) {}

  tokens(tokens: Token[], scope: Scope, report: Report, root: boolean): string {
    let out = '';
    for (const token of tokens) out += this.token(token, scope, report, root);
    return out;
  }

  token(token: Token, scope: Scope, report: Report, root: boolean): string {
    if (token.kind === 'text') return token.text;
    if (!root || !this.catchErrors) return this.evaluateToken(token, scope, report, root);
    this.origin = token.offset;
    const echo = (): string => printToken(token);
    if (this.aborted) return echo();
    try {
      return this.evaluateToken(token, scope, report, root);
    } catch (e) {
      if (!(e instanceof OctostacheError)) throw e;
      if (e instanceof LimitExceededError) this.aborted = true;
      this.caught.push({ expression: echo(), position: token.offset, error: e });
      return echo();
    }
  }

  private evaluateToken(
    token: Exclude<Token, { kind: 'text' }>,
    scope: Scope,
    report: Report,
    root: boolean
  ): string {
    this.budget.step();
    switch (token.kind) {
      case 'substitution': {
        const result = this.expression(token.expr, scope, report);
        if (result.value !== null) {
          this.budget.produced(result.value.length);
          return result.value;
        }
        if (result.nullFilter) {
          report.nulled = true;
          return '';
        }
        return this.missing(printToken(token), report);
      }
      case 'conditional':
        return this.conditional(token, scope, report, root);
      case 'repetition':
        return this.repetition(token, scope, report, root);
      case 'calculation': {
        const value = this.calc(token.expr, scope, report);
        return value === null
          ? this.missing(`#{${printCalc(token.expr)}}`, report)
          : formatDouble(value);
      }
    }
  }

  private missing(echo: string, report: Report): string {
    report.addMissing(echo, this.origin);
    return echo;
  }

  /** Expands a variable value as a template in a fresh child scope (verbatim if unparsable). */
  expandValue(value: string, scope: Scope, report: Report): string {
    if (!value.includes('#{')) return value;
    const template = parseValue(value);
    if (!template) return value;
    this.budget.enter();
    try {
      return this.tokens(template.tokens, scope.child(), report.nested(), false);
    } finally {
      this.budget.leave();
    }
  }

  private lookup(path: Parameters<typeof walkTo>[0], scope: Scope, report: Report): string | null {
    return walkTo(path, scope, this, report)?.value ?? null;
  }

  private expression(expr: Expression, scope: Scope, report: Report): ChainResult {
    if (expr.kind === 'symbol')
      return { value: this.lookup(expr, scope, report), nullFilter: false };
    let input = expr.input ? this.lookup(expr.input, scope, report) : null;
    for (let i = 0; i < expr.filters.length; i++) {
      const filter = expr.filters[i]!;
      const args = filter.options.map((o) =>
        o.kind === 'text' ? o.text : this.token(o.token, scope.child(), report, false)
      );
      input = callFilter(filter.name, input, args, this.budget);
      if (input === null) {
        return { value: null, nullFilter: i === expr.filters.length - 1 && filter.name === 'null' };
      }
    }
    return { value: input, nullFilter: false };
  }

  private operand(operand: Operand, scope: Scope, report: Report): string | null {
    if (operand.kind === 'string') return operand.text;
    if (operand.kind === 'symbol') return this.lookup(operand, scope, report) ?? '';
    return this.expression(operand, scope, report).value;
  }

  private conditional(
    token: ConditionalToken,
    scope: Scope,
    report: Report,
    root: boolean
  ): string {
    const left = this.operand(token.left, scope, report);
    const cmp = token.comparison;
    const right = cmp ? this.operand(cmp.right, scope, report) : '';
    if (left === null || right === null) {
      const failed = left === null ? token.left : (cmp?.right as Expression);
      report.addMissing(printExpression(failed), this.origin);
      return printToken(token);
    }
    const truth = cmp ? (left === right) === cmp.equal : isTruthy(left);
    return this.tokens(truth ? token.truthy : token.falsy, scope, report, root);
  }

  private repetition(token: RepetitionToken, scope: Scope, report: Report, root: boolean): string {
    const node = walkTo(token.collection, scope, this, report);
    const items = node ? itemsOf(node) : [];
    if (items.length > LIMITS.eachItems) {
      throw new LimitExceededError(`#{each} over more than ${LIMITS.eachItems} items`);
    }
    let out = '';
    items.forEach((item, index) => {
      this.budget.step();
      const locals = new Node();
      locals.setChild(token.item, item);
      const each = locals.childOrCreate('Octopus').childOrCreate('Template').childOrCreate('Each');
      each.setChild('Index', new Node(String(index)));
      each.setChild('First', new Node(index === 0 ? 'True' : 'False'));
      each.setChild('Last', new Node(index === items.length - 1 ? 'True' : 'False'));
      const body = this.tokens(token.body, new Scope(locals, scope), report, root);
      this.budget.produced(body.length);
      out += body;
    });
    return out;
  }

  private calc(expr: CalcExpr, scope: Scope, report: Report): number | null {
    switch (expr.kind) {
      case 'number':
        return expr.value;
      case 'ref': {
        const value = this.lookup(expr.path, scope, report);
        return value === null ? null : parseDouble(value);
      }
      case 'binary': {
        const a = this.calc(expr.left, scope, report);
        const b = this.calc(expr.right, scope, report);
        if (a === null || b === null) return null;
        if (expr.op === '+') return a + b;
        if (expr.op === '-') return a - b;
        return expr.op === '*' ? a * b : a / b;
      }
    }
  }
}
