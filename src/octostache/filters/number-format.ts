import { formatDouble } from './numbers';

/** An exact decimal: digits without leading zeros and the position of the decimal point. */
interface Dec {
  neg: boolean;
  digits: string;
  point: number;
}

export function toDec(value: string | number): Dec {
  let s = typeof value === 'number' ? formatDouble(value) : value;
  const neg = s.startsWith('-');
  s = s.replace(/^[+-]/, '');
  let exp = 0;
  const e = /[eE]([+-]?\d+)$/.exec(s);
  if (e) {
    exp = Number(e[1]);
    s = s.slice(0, e.index);
  }
  const [int = '', frac = ''] = s.split('.');
  let digits = int + frac;
  let point = int.length + exp;
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead);
  point -= lead;
  return { neg, digits: digits.replace(/0+$/, ''), point: digits ? point : 0 };
}

/** Rounds half away from zero to `frac` digits after the point. */
function round(d: Dec, frac: number): Dec {
  const keep = d.point + frac;
  if (d.digits.length <= keep) return d;
  if (keep < 0) return { ...d, digits: '', point: 0 };
  let digits = d.digits.slice(0, keep);
  let point = d.point;
  if (Number(d.digits.charAt(keep)) >= 5) {
    const n = (BigInt(digits || '0') + 1n).toString();
    if (n.length > digits.length) point++;
    digits = n;
  }
  digits = digits.replace(/0+$/, '');
  return { neg: d.neg, digits, point: digits ? point : 0 };
}

function intPart(d: Dec): string {
  return d.point <= 0 ? '' : d.digits.slice(0, d.point).padEnd(d.point, '0');
}

function fracPart(d: Dec): string {
  return d.point >= 0 ? d.digits.slice(d.point) : '0'.repeat(-d.point) + d.digits;
}

const group = (int: string): string => int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function fixed(d: Dec, frac: number, grouping = false): string {
  const r = round(d, frac);
  const int = intPart(r) || '0';
  const f = fracPart(r).padEnd(frac, '0');
  return (grouping ? group(int) : int) + (frac ? '.' + f : '');
}

const isZero = (d: Dec): boolean => d.digits === '';
const signed = (d: Dec, text: string): string => (d.neg && /[1-9]/.test(text) ? '-' + text : text);

function scientific(d: Dec, precision: number, letter: string, minExp: number): string {
  if (isZero(d))
    return `${'0'}${precision ? '.' + '0'.repeat(precision) : ''}${letter}+${'0'.repeat(minExp)}`;
  let r = round({ ...d, point: 1 }, precision);
  let exp = d.point - 1;
  if (r.point > 1) {
    exp += r.point - 1;
    r = { ...r, point: 1 };
  }
  const mantissa = fixed(r, precision);
  return `${mantissa}${letter}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(minExp, '0')}`;
}

function general(d: Dec, precision: number, letter: string): string {
  const p = precision || 29;
  const r = round({ ...d }, p - d.point);
  const exp = r.point - 1;
  if (!isZero(r) && (exp >= p || exp < -5)) {
    const text = scientific(r, Math.max(0, r.digits.length - 1), letter, 2);
    return text.replace(/\.?0+(?=[eE])/, '');
  }
  const frac = fracPart(r);
  return (intPart(r) || '0') + (frac ? '.' + frac : '');
}

function standard(d: Dec, spec: string, p: number | null, kind: NumberKind): string | null {
  const upper = spec.toUpperCase();
  switch (upper) {
    case 'C': {
      const text = '¤' + fixed(d, p ?? 2, true);
      return d.neg && /[1-9]/.test(text) ? `(${text})` : text;
    }
    case 'D':
      return kind !== 'int' ? null : signed(d, (intPart(d) || '0').padStart(p ?? 0, '0'));
    case 'E':
      return signed(d, scientific(d, p ?? 6, spec === 'e' ? 'e' : 'E', 3));
    case 'F':
      return signed(d, fixed(d, p ?? 2));
    case 'N':
      return signed(d, fixed(d, p ?? 2, true));
    case 'P':
      return signed(d, fixed({ ...d, point: d.point + 2 }, p ?? 2, true) + ' %');
    case 'G':
      return signed(d, general(d, p ?? 0, spec === 'g' ? 'e' : 'E'));
    case 'R':
      return kind === 'decimal' ? null : null;
    case 'X': {
      if (kind !== 'int') return null;
      let n = BigInt((d.neg ? '-' : '') + (intPart(d) || '0'));
      if (n < 0n) n += 1n << 32n;
      const hex = n.toString(16).padStart(p ?? 0, '0');
      return spec === 'X' ? hex.toUpperCase() : hex;
    }
    default:
      return null;
  }
}

function custom(d: Dec, format: string): string {
  const sections = format.split(';');
  let section = sections[0] ?? '';
  let value = d;
  if (d.neg && sections[1]) {
    section = sections[1];
    value = { ...d, neg: false };
  }
  if (section.includes('%')) value = { ...value, point: value.point + 2 };
  if (section.includes('‰')) value = { ...value, point: value.point + 3 };
  const dot = section.indexOf('.');
  const intPattern = dot < 0 ? section : section.slice(0, dot);
  const fracPattern = dot < 0 ? '' : section.slice(dot + 1);
  const scale = /,+$/.exec(intPattern.replace(/[^0#,]/g, ''))?.[0].length ?? 0;
  value = { ...value, point: value.point - 3 * scale };
  const grouping = /[0#],+[0#]/.test(intPattern);
  const minFrac = (/^[^#]*/.exec(fracPattern.replace(/[^0#]/g, ''))![0] ?? '').length;
  const maxFrac = fracPattern.replace(/[^0#]/g, '').length;
  const r = round(value, maxFrac);
  let frac = fracPart(r).padEnd(minFrac, '0');
  frac = frac.slice(0, Math.max(minFrac, frac.replace(/0+$/, '').length));
  const minInt = intPattern.length - intPattern.replace(/0/g, '').length;
  const firstZero = intPattern.indexOf('0');
  const zeros = firstZero < 0 ? 0 : intPattern.slice(firstZero).replace(/[^0#]/g, '').length;
  let int = (intPart(r) || '').padStart(Math.max(minInt && zeros), '0');
  if (grouping) int = group(int);
  const firstPh = section.search(/[0#]/);
  const prefix =
    firstPh < 0 ? section : intPattern.slice(0, Math.max(0, intPattern.search(/[0#]/)));
  const lastPh = Math.max(intPattern.search(/[0#][^0#]*$/), -1);
  const suffixSource = dot < 0 ? intPattern.slice(lastPh + 1) : fracPattern.replace(/^[0#]*/, '');
  const clean = (s: string): string => s.replace(/[,0#]/g, '').replace(/['"]/g, '');
  const body = int + (frac ? '.' + frac : '');
  const text = clean(prefix) + body + clean(suffixSource);
  return value.neg && /[1-9]/.test(body) ? '-' + text : text;
}

export type NumberKind = 'int' | 'double' | 'decimal';

/** ToString(format, invariant) for .NET numbers given as exact decimal text or a double. */
export function formatNumber(
  value: string | number,
  format: string,
  kind: NumberKind
): string | null {
  if (kind === 'double' && typeof value === 'number' && !Number.isFinite(value))
    return formatDouble(value);
  const d = toDec(value);
  if (format === '')
    return kind === 'double' && typeof value === 'number'
      ? formatDouble(value)
      : signed(d, general(d, 0, 'E'));
  const m = /^([A-Za-z])(\d{0,2})$/.exec(format);
  if (m) {
    if (m[1]!.toUpperCase() === 'R' && typeof value === 'number') return formatDouble(value);
    return standard(d, m[1]!, m[2] ? Number(m[2]) : null, kind);
  }
  return custom(d, format);
}
