import { formatDate } from './date-format';
import { type DateValue, inRange, localOffset, parseDate } from './datetime';
import { parseDouble } from './numbers';
import type { Filter, FilterFamily } from './types';

function now(utc: boolean): DateValue {
  const instant = Date.now();
  if (utc) return { wall: instant, ticks: 0, kind: 'utc', offset: 0 };
  const offset = localOffset(instant);
  return { wall: instant + offset * 60000, ticks: 0, kind: 'local', offset };
}

function nowFilter(utc: boolean): Filter {
  return (input, args) => {
    if (input !== null || args.length > 1) return null;
    const d = now(utc);
    if (args.length === 0) return formatDate(utc ? d : { ...d, kind: 'unspecified' }, 'O');
    return formatDate(d, args[0]!);
  };
}

function addFilter(msPerUnit: number): Filter {
  return (input, args) => {
    if (input === null || args.length !== 1) return null;
    const amount = parseDouble(args[0]!);
    const d = parseDate(input);
    if (amount === null || !Number.isFinite(amount) || !d) return null;
    const delta = Math.round(amount * msPerUnit);
    const moved = { ...d, wall: d.wall + delta };
    return inRange(moved) ? formatDate(moved, 'O') : null;
  };
}

export const dateFilters: FilterFamily = {
  /** @example `#{ | NowDate}` → local now in round-trip form; `#{ | NowDate yyyy}` → the year */
  NowDate: nowFilter(false),
  /** @example `#{ | NowDateUtc}` → `2030-05-22T09:05:00.0000000Z` */
  NowDateUtc: nowFilter(true),
  /** @example `#{Date | AddHours 2}` → two hours later, round-trip (`O`) format */
  AddHours: addFilter(3_600_000),
  /** @example `#{Date | AddDays -1 | Format "yyyy-MM-dd"}` → the day before */
  AddDays: addFilter(86_400_000),
};
