import { formatDouble } from './filters/numbers';

/** JSON with Newtonsoft's leniency: unquoted names, single quotes, comments, trailing commas. */
export type Json =
  | { t: 'obj'; props: Map<string, Json> }
  | { t: 'arr'; items: Json[] }
  | { t: 'str'; v: string }
  | { t: 'int'; raw: string }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' };

const MAX_DEPTH = 128;
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/y;

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  skip(): void {
    const s = this.s;
    for (;;) {
      while (this.i < s.length && /\s/.test(s.charAt(this.i))) this.i++;
      if (s.startsWith('//', this.i)) {
        const nl = s.indexOf('\n', this.i);
        this.i = nl < 0 ? s.length : nl;
      } else if (s.startsWith('/*', this.i)) {
        const end = s.indexOf('*/', this.i + 2);
        if (end < 0) throw new SyntaxError('unterminated comment');
        this.i = end + 2;
      } else return;
    }
  }

  string(quote: string): string {
    let out = '';
    const s = this.s;
    for (this.i++; this.i < s.length; this.i++) {
      const c = s.charAt(this.i);
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s.charAt(++this.i);
      if (e === 'u') {
        const hex = s.slice(this.i + 1, this.i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxError('bad escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 4;
      } else out += ESCAPES[e] ?? e;
    }
    throw new SyntaxError('unterminated string');
  }

  name(): string {
    const c = this.s.charAt(this.i);
    if (c === '"' || c === "'") return this.string(c);
    const start = this.i;
    while (/[\p{L}\p{Nd}_$]/u.test(this.s.charAt(this.i))) this.i++;
    if (this.i === start) throw new SyntaxError('property name expected');
    return this.s.slice(start, this.i);
  }

  list<T>(close: string, depth: number, item: () => T): T[] {
    const out: T[] = [];
    this.i++;
    for (;;) {
      this.skip();
      if (this.s.charAt(this.i) === close) {
        this.i++;
        return out;
      }
      out.push(item());
      this.skip();
      const c = this.s.charAt(this.i);
      if (c === ',') this.i++;
      else if (c !== close) throw new SyntaxError(`expected , or ${close}`);
    }
  }

  value(depth: number): Json {
    if (depth > MAX_DEPTH) throw new SyntaxError('too deep');
    this.skip();
    const s = this.s;
    const c = s.charAt(this.i);
    if (c === '{') {
      const props = new Map<string, Json>();
      this.list('}', depth, () => {
        const key = this.name();
        this.skip();
        if (s.charAt(this.i++) !== ':') throw new SyntaxError('expected :');
        props.set(key, this.value(depth + 1));
      });
      return { t: 'obj', props };
    }
    if (c === '[') return { t: 'arr', items: this.list(']', depth, () => this.value(depth + 1)) };
    if (c === '"' || c === "'") return { t: 'str', v: this.string(c) };
    for (const [word, v] of [
      ['true', true],
      ['false', false],
    ] as const) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length;
        return { t: 'bool', v };
      }
    }
    for (const word of ['null', 'undefined']) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length;
        return { t: 'null' };
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(s);
    if (!m) throw new SyntaxError(`unexpected character ${c}`);
    this.i += m[0].length;
    return /[.eE]/.test(m[0]) ? { t: 'float', v: Number(m[0]) } : { t: 'int', raw: m[0] };
  }
}

export function parseJson(text: string): Json | null {
  const first = text.trimStart().charAt(0);
  if (first !== '{' && first !== '[') return null;
  try {
    const r = new Reader(text);
    const value = r.value(0);
    r.skip();
    return r.i === text.length ? value : null;
  } catch {
    return null;
  }
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;
const pad = (n: number): string => String(n).padStart(2, '0');

/** Newtonsoft turns ISO date strings into DateTime; Value<string>() prints them invariantly. */
function dateString(v: string): string {
  const m = ISO_DATE.exec(v);
  if (!m) return v;
  const zone = m[7];
  if (!zone || zone === 'Z') return `${m[2]}/${m[3]}/${m[1]} ${m[4]}:${m[5]}:${m[6]}`;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offset =
    (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se) - offset * 60000);
  return `${pad(t.getMonth() + 1)}/${pad(t.getDate())}/${t.getFullYear()} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

function floatText(v: number): string {
  const s = formatDouble(v);
  return /[.EN]/.test(s) || s.includes('Infinity') ? s : `${s}.0`;
}

const QUOTE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    const special = QUOTE_ESCAPES[c];
    if (special) out += special;
    else if (code < 0x20 || code === 0x85 || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += c;
  }
  return out + '"';
}

/** Compact JSON (Newtonsoft Formatting.None). */
export function compactJson(j: Json): string {
  switch (j.t) {
    case 'obj':
      return `{${[...j.props].map(([k, v]) => `${quote(k)}:${compactJson(v)}`).join(',')}}`;
    case 'arr':
      return `[${j.items.map(compactJson).join(',')}]`;
    case 'str':
      return quote(j.v);
    case 'int':
      return j.raw;
    case 'float':
      return floatText(j.v);
    case 'bool':
      return j.v ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

/** The string a JSON value stands for when used as a variable value. */
export function jsonText(j: Json): string {
  switch (j.t) {
    case 'obj':
    case 'arr':
      return compactJson(j);
    case 'str':
      return dateString(j.v);
    case 'int':
      return j.raw.replace(/^-0+$/, '0');
    case 'float':
      return formatDouble(j.v);
    case 'bool':
      return j.v ? 'True' : 'False';
    case 'null':
      return '';
  }
}
