import type { Match, Regex } from './match';

function groupText(s: string, m: Match, index: number): string {
  const start = m.groups[index * 2] ?? -1;
  return start < 0 ? '' : s.slice(start, m.groups[index * 2 + 1]);
}

/** Expands a .NET replacement pattern: $n, ${name}, $$, $&, $`, $', $+, $_. */
function substitute(replacement: string, s: string, m: Match, re: Regex): string {
  const groups = re.pattern.groupCount;
  return replacement.replace(
    /\$(\$|&|`|'|\+|_|\{(\w+)\}|\d+)/g,
    (all, token: string, name?: string) => {
      switch (token) {
        case '$':
          return '$';
        case '&':
          return s.slice(m.index, m.end);
        case '`':
          return s.slice(0, m.index);
        case "'":
          return s.slice(m.end);
        case '+':
          return groups ? groupText(s, m, groups) : '';
        case '_':
          return s;
      }
      if (name !== undefined) {
        const index = /^\d+$/.test(name) ? Number(name) : re.pattern.names.get(name);
        return index !== undefined && index <= groups ? groupText(s, m, index) : all;
      }
      for (let digits = token; digits.length; digits = digits.slice(0, -1)) {
        const index = Number(digits);
        if (index <= groups) return groupText(s, m, index) + token.slice(digits.length);
      }
      return all;
    }
  );
}

/** Regex.Replace(input, pattern, replacement) over all matches. */
export function replaceAll(re: Regex, s: string, replacement: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  while (from <= s.length) {
    const m = re.exec(s, from);
    if (!m) break;
    out += s.slice(last, m.index) + substitute(replacement, s, m, re);
    last = m.end;
    from = m.end === m.index ? m.end + 1 : m.end;
  }
  return out + s.slice(last);
}
