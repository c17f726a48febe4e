import { type DateValue, MONTHS } from './datetime';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const STANDARD: Record<string, string> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  m: 'MMMM dd',
  M: 'MMMM dd',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'HH:mm',
  T: 'HH:mm:ss',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  y: 'yyyy MMMM',
  Y: 'yyyy MMMM',
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function offsetText(minutes: number, width: 1 | 2 | 3): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  if (width === 3) return `${sign}${pad(h, 2)}:${pad(abs % 60, 2)}`;
  return sign + (width === 2 ? pad(h, 2) : String(h));
}

function field(d: DateValue, c: string, n: number): string | null {
  const t = new Date(d.wall);
  const fraction = pad(t.getUTCMilliseconds() * 10000 + d.ticks, 7);
  switch (c) {
    case 'y': {
      const y = t.getUTCFullYear();
      return n <= 2 ? pad(y % 100, n) : pad(y, n);
    }
    case 'M':
      return n >= 4
        ? MONTHS[t.getUTCMonth()]!
        : n === 3
          ? MONTHS[t.getUTCMonth()]!.slice(0, 3)
          : pad(t.getUTCMonth() + 1, n);
    case 'd':
      return n >= 4
        ? DAYS[t.getUTCDay()]!
        : n === 3
          ? DAYS[t.getUTCDay()]!.slice(0, 3)
          : pad(t.getUTCDate(), n);
    case 'H':
      return pad(t.getUTCHours(), Math.min(n, 2));
    case 'h':
      return pad(t.getUTCHours() % 12 || 12, Math.min(n, 2));
    case 'm':
      return pad(t.getUTCMinutes(), Math.min(n, 2));
    case 's':
      return pad(t.getUTCSeconds(), Math.min(n, 2));
    case 'f':
      return n > 7 ? null : fraction.slice(0, n);
    case 'F':
      return n > 7 ? null : fraction.slice(0, n).replace(/0+$/, '');
    case 't':
      return (t.getUTCHours() < 12 ? 'AM' : 'PM').slice(0, Math.min(n, 2));
    case 'z':
      return offsetText(d.offset, Math.min(n, 3) as 1 | 2 | 3);
    case 'K':
      return d.kind === 'utc' ? 'Z' : d.kind === 'unspecified' ? '' : offsetText(d.offset, 3);
    case 'g':
      return 'A.D.';
    default:
      return null;
  }
}

/** DateTime.ToString(format, invariant): standard single-letter or custom format strings. */
export function formatDate(d: DateValue, format: string): string | null {
  let fmt = format;
  if (fmt.length === 1) {
    const standard = STANDARD[fmt];
    if (!standard) return null;
    fmt = standard;
    if (format === 'r' || format === 'R' || format === 'u') {
      d = { ...d, wall: d.wall - d.offset * 60000, kind: 'utc', offset: 0 };
    }
  }
  let out = '';
  for (let i = 0; i < fmt.length;) {
    const c = fmt.charAt(i);
    if (c === "'" || c === '"') {
      const end = fmt.indexOf(c, i + 1);
      if (end < 0) return null;
      out += fmt.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\') {
      out += fmt.charAt(i + 1);
      i += 2;
    } else if (c === '%') {
      i++;
    } else if ('yMdHhmsfFtzKg'.includes(c)) {
      let n = 1;
      while (fmt.charAt(i + n) === c) n++;
      const text = field(d, c, n);
      if (text === null) return null;
      out += text;
      i += n;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
