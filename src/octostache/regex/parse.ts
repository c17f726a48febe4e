import { EvaluationError } from '../errors';
import type { CharTest, Pattern, RegexNode } from './ast';
import { caseless, category, DIGIT, not, SPACE, WORD } from './classes';

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  n: boolean;
  x: boolean;
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, e: 27, a: 7 };
const MAX_DEPTH = 100;

/** Recursive-descent parser for .NET regular expressions (no RegexOptions; inline options ok). */
class RegexParser {
  i = 0;
  groups = 0;
  names = new Map<string, number>();
  depth = 0;

  constructor(readonly p: string) {}

  error(what: string): never {
    throw new EvaluationError(`Invalid pattern '${this.p}' at offset ${this.i}. ${what}`);
  }

  alternation(flags: Flags): RegexNode {
    if (++this.depth > MAX_DEPTH) this.error('Nesting too deep.');
    const alts: RegexNode[] = [this.sequence(flags)];
    while (this.p.charAt(this.i) === '|') {
      this.i++;
      alts.push(this.sequence(flags));
    }
    this.depth--;
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  sequence(flags: Flags): RegexNode {
    const items: RegexNode[] = [];
    while (this.i < this.p.length) {
      const c = this.p.charAt(this.i);
      if (c === '|' || c === ')') break;
      if (flags.x && /\s/.test(c)) {
        this.i++;
        continue;
      }
      if (flags.x && c === '#') {
        while (this.i < this.p.length && this.p.charAt(this.i) !== '\n') this.i++;
        continue;
      }
      const atom = this.atom(flags);
      if (atom) items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  quantified(atom: RegexNode): RegexNode {
    const c = this.p.charAt(this.i);
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
      if (!m) return atom;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
      if (max < min) this.error('Illegal {x,y} with x > y.');
    } else return atom;
    if (atom.t === 'assert') this.error('Quantifier following nothing.');
    const greedy = this.p.charAt(this.i) !== '?';
    if (!greedy) this.i++;
    if (/^(?:[*+?]|\{\d+(?:,\d*)?\})/.test(this.p.slice(this.i))) this.error('Nested quantifier.');
    return { t: 'repeat', body: atom, min, max, greedy };
  }

  char(test: CharTest, flags: Flags): RegexNode {
    return { t: 'char', test: flags.i ? caseless(test) : test };
  }

  atom(flags: Flags): RegexNode | null {
    const c = this.p.charAt(this.i++);
    switch (c) {
      case '(':
        return this.group(flags);
      case '[':
        return this.char(this.charClass(), flags);
      case '.':
        return this.char(flags.s ? () => true : (x) => x !== 10, flags);
      case '^':
        return { t: 'assert', kind: flags.m ? 'lineStart' : 'start' };
      case '$':
        return { t: 'assert', kind: flags.m ? 'lineEnd' : 'end' };
      case '\\':
        return this.escape(flags);
      case '*':
      case '+':
      case '?':
        return this.error('Quantifier following nothing.');
      default: {
        const code = c.charCodeAt(0);
        return this.char((x) => x === code, flags);
      }
    }
  }

  group(flags: Flags): RegexNode | null {
    const rest = this.p.slice(this.i);
    let node: RegexNode;
    const inner = (f: Flags): RegexNode => {
      const body = this.alternation(f);
      if (this.p.charAt(this.i++) !== ')') this.error("Not enough )'s.");
      return body;
    };
    const named = /^\?(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
    const options = /^\?([imnsx]*)(?:-([imnsx]*))?(:|\))/.exec(rest);
    if (named) {
      this.i += named[0].length;
      const name = (named[1] ?? named[2])!;
      const index = this.names.get(name) ?? ++this.groups;
      this.names.set(name, index);
      node = { t: 'group', index, body: inner(flags) };
    } else if (rest.startsWith('?:')) {
      this.i += 2;
      node = inner(flags);
    } else if (rest.startsWith('?>')) {
      this.i += 2;
      node = { t: 'atomic', body: inner(flags) };
    } else if (/^\?<?[=!]/.test(rest)) {
      const ahead = rest.charAt(1) !== '<';
      this.i += ahead ? 2 : 3;
      const negate = this.p.charAt(this.i - 1) === '!';
      node = { t: 'look', ahead, negate, body: inner(flags) };
    } else if (options) {
      this.i += options[0].length;
      const next = { ...flags };
      for (const f of options[1] ?? '') next[f as keyof Flags] = true;
      for (const f of options[2] ?? '') next[f as keyof Flags] = false;
      if (options[3] === ')') {
        Object.assign(flags, next);
        return null;
      }
      node = inner(next);
    } else if (rest.startsWith('?')) {
      return this.error('Unrecognized grouping construct.');
    } else if (flags.n) {
      node = inner(flags);
    } else {
      const index = ++this.groups;
      node = { t: 'group', index, body: inner(flags) };
    }
    return node;
  }

  escapeCode(c: string): number | null {
    if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c]!;
    const hex = c === 'x' ? 2 : c === 'u' ? 4 : 0;
    if (hex) {
      const digits = this.p.slice(this.i, this.i + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) this.error('Insufficient hex digits.');
      this.i += hex;
      return parseInt(digits, 16);
    }
    if (c === 'c') {
      const letter = this.p.charAt(this.i++).toUpperCase();
      if (!/[A-Z]/.test(letter)) this.error('Missing control character.');
      return letter.charCodeAt(0) - 64;
    }
    if (c === '0') {
      const m = /^[0-7]{0,2}/.exec(this.p.slice(this.i))![0];
      this.i += m.length;
      return parseInt('0' + m, 8);
    }
    return null;
  }

  classEscape(c: string): CharTest | null {
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return not(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return not(WORD);
      case 's':
        return SPACE;
      case 'S':
        return not(SPACE);
      case 'p':
      case 'P': {
        const m = /^\{([^}]*)\}/.exec(this.p.slice(this.i));
        if (!m) this.error('Incomplete \\p{X} character escape.');
        this.i += m[0].length;
        const t = category(m[1]!) ?? this.error(`Unknown property '${m[1]}'.`);
        return c === 'p' ? t : not(t);
      }
      default:
        return null;
    }
  }

  escape(flags: Flags): RegexNode {
    const c = this.p.charAt(this.i++);
    if (!c) this.error('Illegal \\ at end of pattern.');
    if ('AzZbBG'.includes(c)) return { t: 'assert', kind: c as 'A' | 'z' | 'Z' | 'b' | 'B' | 'G' };
    const cls = this.classEscape(c);
    if (cls) return this.char(cls, flags);
    if (/[1-9]/.test(c)) {
      const digits = c + /^\d*/.exec(this.p.slice(this.i))![0];
      this.i += digits.length - 1;
      return { t: 'backref', index: Number(digits), ignoreCase: flags.i };
    }
    if (c === 'k') {
      const m = /^(?:<(\w+)>|'(\w+)')/.exec(this.p.slice(this.i));
      if (!m) this.error('Malformed \\k<...> named back reference.');
      this.i += m[0].length;
      const name = (m[1] ?? m[2])!;
      const index = /^\d+$/.test(name) ? Number(name) : this.names.get(name);
      if (index === undefined) this.error(`Reference to undefined group name '${name}'.`);
      return { t: 'backref', index, ignoreCase: flags.i };
    }
    const code = this.escapeCode(c) ?? c.charCodeAt(0);
    return this.char((x) => x === code, flags);
  }

  classAtom(): CharTest | number {
    const c = this.p.charAt(this.i++);
    if (c !== '\\') return c.charCodeAt(0);
    const e = this.p.charAt(this.i++);
    if (e === 'b') return 8;
    return this.classEscape(e) ?? this.escapeCode(e) ?? e.charCodeAt(0);
  }

  charClass(): CharTest {
    const negate = this.p.charAt(this.i) === '^';
    if (negate) this.i++;
    const tests: CharTest[] = [];
    let subtract: CharTest | null = null;
    let first = true;
    for (;;) {
      if (this.i >= this.p.length) this.error('Unterminated [] set.');
      const c = this.p.charAt(this.i);
      if (c === ']' && !first) break;
      first = false;
      if (c === '-' && this.p.charAt(this.i + 1) === '[') {
        this.i += 2;
        subtract = this.charClass();
        if (this.p.charAt(this.i) !== ']') this.error('A subtraction must be the last element.');
        break;
      }
      const lo = this.classAtom();
      if (
        typeof lo === 'number' &&
        this.p.charAt(this.i) === '-' &&
        !/^-[\]]/.test(this.p.slice(this.i)) &&
        this.p.charAt(this.i + 1) !== '['
      ) {
        this.i++;
        const hi = this.classAtom();
        if (typeof hi !== 'number' || hi < lo) this.error('[x-y] range in reverse order.');
        tests.push((x) => x >= lo && x <= hi);
      } else {
        tests.push(typeof lo === 'number' ? (x) => x === lo : lo);
      }
    }
    this.i++;
    const sub = subtract;
    return (x) => {
      const hit = tests.some((t) => t(x)) !== negate;
      return hit && !(sub && sub(x));
    };
  }
}

export function parseRegex(source: string): Pattern {
  const parser = new RegexParser(source);
  const root = parser.alternation({ i: false, m: false, s: false, n: false, x: false });
  if (parser.i < source.length) parser.error("Too many )'s.");
  return { root, groupCount: parser.groups, names: parser.names };
}
