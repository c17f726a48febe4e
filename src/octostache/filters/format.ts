import { formatDate } from './date-format';
import { parseDate, toDateTime, toDateTimeOffset } from './datetime';
import { formatNumber } from './number-format';
import { parseDecimal, parseDouble, parseInt32 } from './numbers';
import type { FilterFamily } from './types';

function typed(type: string, input: string, format: string): string | null {
  switch (type.toLowerCase()) {
    case 'int':
    case 'int32': {
      const n = parseInt32(input);
      return n === null ? null : formatNumber(String(n), format, 'int');
    }
    case 'double': {
      const n = parseDouble(input);
      return n === null ? null : formatNumber(n, format, 'double');
    }
    case 'decimal': {
      const n = parseDecimal(input);
      return n === null ? null : formatNumber(n, format, 'decimal');
    }
    case 'date':
    case 'datetime': {
      const d = parseDate(input);
      return d ? formatDate(toDateTime(d), format) : null;
    }
    case 'datetimeoffset': {
      const d = parseDate(input);
      return d ? formatDate(toDateTimeOffset(d), format) : null;
    }
    default:
      return null;
  }
}

export const formatFilters: FilterFamily = {
  /**
   * @example `#{Cash | Format N2}` → `1,234.50`; `#{When | Format Date "HH dd-MMM-yyy"}` →
   * `09 22-May-2030`; one option formats a decimal, else a date.
   */
  Format: (input, args) => {
    if (input === null) return null;
    if (args.length === 2) return typed(args[0]!, input, args[1]!);
    if (args.length !== 1) return null;
    const decimal = parseDecimal(input);
    if (decimal !== null) return formatNumber(decimal, args[0]!, 'decimal');
    const date = parseDate(input);
    return date ? formatDate(toDateTimeOffset(date), args[0]!) : null;
  },
};
