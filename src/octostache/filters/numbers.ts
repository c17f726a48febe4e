/** .NET number parsing and default double formatting with the invariant culture. */

/** double.ToString() on .NET Core 3.0+: shortest round-trip, scientific outside 1e-5..1e15. */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa = '0', exp = '0'] = n.toExponential().split('e');
  const e = Number(exp);
  if (e > -5 && e < 15) return String(n);
  const sign = e < 0 ? '-' : '+';
  return `${mantissa}E${sign}${String(Math.abs(e)).padStart(2, '0')}`;
}

const WS = /^[\s\u0085]+|[\s\u0085]+$/g;
const FLOAT = /^[+-]?(?=\.?\d)\d[\d,]*(?:\.\d*)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+(?:[eE][+-]?\d+)?$/;

/** double.TryParse(s, Float | AllowThousands, invariant). */
export function parseDouble(text: string): number | null {
  const s = text.replace(WS, '');
  if (s === 'Infinity' || s === '+Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!FLOAT.test(s)) return null;
  return Number(s.replace(/,/g, ''));
}

const DECIMAL = /^([+-]?)(\d[\d,]*)?(?:\.(\d*))?([+-]?)$/;

/** decimal.TryParse(s, Number, invariant) as an exact decimal string, or null. */
export function parseDecimal(text: string): string | null {
  const m = DECIMAL.exec(text.replace(WS, ''));
  if (!m) return null;
  const [, lead = '', int = '', frac = '', trail = ''] = m;
  if (!int && !frac) return null;
  if (lead && trail) return null;
  const sign = (lead || trail) === '-' ? '-' : '';
  const intPart = int.replace(/,/g, '') || '0';
  return `${sign}${intPart}${frac ? '.' + frac : ''}`;
}

/** int.TryParse(s, Integer, invariant). */
export function parseInt32(text: string): number | null {
  const s = text.replace(WS, '');
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}
