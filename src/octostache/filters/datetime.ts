/**
 * Dates as .NET sees them: a wall-clock time (ms since 0001 via Date.UTC arithmetic, plus 100 ns
 * ticks below the millisecond) and a kind: unspecified, UTC, local, or an explicit offset.
 */
export interface DateValue {
  wall: number;
  ticks: number;
  kind: 'unspecified' | 'utc' | 'local' | 'offset';
  /** Offset from UTC in minutes (UTC: 0; local: the machine's offset at that time). */
  offset: number;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MONTH_INDEX = new Map(
  MONTHS.flatMap((m, i) => [
    [m.toLowerCase(), i],
    [m.slice(0, 3).toLowerCase(), i],
  ])
);

export function localOffset(wallOrInstant: number): number {
  return -new Date(wallOrInstant).getTimezoneOffset();
}

const MIN_WALL = Date.UTC(1, 0, 1) - 0;
const MAX_WALL = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function inRange(d: DateValue): boolean {
  return d.wall >= MIN_WALL && d.wall <= MAX_WALL;
}

function wallOf(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number
): number | null {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, ms);
  const t = date.getTime();
  if (date.getUTCMonth() !== mo || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return null;
  return t;
}

const TIME = String.raw`(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7})\d*)?)?\s*([AaPp][Mm])?)?`;
const ZONE = String.raw`\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?\s*$`;
const YMD = new RegExp(String.raw`^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})` + TIME + ZONE, 'i');
const MDY = new RegExp(String.raw`^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})` + TIME + ZONE, 'i');
const DMONY = new RegExp(
  String.raw`^\s*(?:[A-Za-z]+,?\s+)?(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})` + TIME + ZONE,
  'i'
);
const MONDY = new RegExp(
  String.raw`^\s*(?:[A-Za-z]+,?\s+)?([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})` + TIME + ZONE,
  'i'
);

/** DateTime/DateTimeOffset parsing with the invariant culture (the common shapes). */
export function parseDate(text: string): DateValue | null {
  let m: RegExpExecArray | null;
  let y: number;
  let mo: number;
  let d: number;
  if ((m = YMD.exec(text))) [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  else if ((m = MDY.exec(text))) [y, mo, d] = [Number(m[3]), Number(m[1]) - 1, Number(m[2])];
  else if ((m = DMONY.exec(text)))
    [y, mo, d] = [Number(m[3]), MONTH_INDEX.get(m[2]!.toLowerCase()) ?? -1, Number(m[1])];
  else if ((m = MONDY.exec(text)))
    [y, mo, d] = [Number(m[3]), MONTH_INDEX.get(m[1]!.toLowerCase()) ?? -1, Number(m[2])];
  else return null;
  let h = Number(m[4] ?? 0);
  const ampm = m[8]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm === 'pm' ? 12 : 0);
  }
  const fraction = (m[7] ?? '').padEnd(7, '0');
  const wall = wallOf(
    y,
    mo,
    d,
    h,
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    Number(fraction.slice(0, 3))
  );
  if (wall === null || mo < 0) return null;
  const ticks = Number(fraction.slice(3));
  const zone = m[9];
  if (!zone) return { wall, ticks, kind: 'unspecified', offset: localOffset(wall) };
  if (zone.toUpperCase() === 'Z') return { wall, ticks, kind: 'utc', offset: 0 };
  const digits = zone.slice(1).replace(':', '');
  const hours = digits.length <= 2 ? Number(digits) : Number(digits.slice(0, -2));
  const minutes = digits.length <= 2 ? 0 : Number(digits.slice(-2));
  const offset = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  return { wall, ticks, kind: 'offset', offset };
}

/** DateTime.Parse: an explicit offset (or Z) converts to local time. */
export function toDateTime(d: DateValue): DateValue {
  if (d.kind === 'unspecified') return d;
  const instant = d.wall - d.offset * 60000;
  const offset = localOffset(instant);
  return { wall: instant + offset * 60000, ticks: d.ticks, kind: 'local', offset };
}

/** DateTimeOffset.Parse: a missing offset means the local one. */
export function toDateTimeOffset(d: DateValue): DateValue {
  return d.kind === 'unspecified' ? { ...d, kind: 'local' } : d;
}

export { MONTHS };
