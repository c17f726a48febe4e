import type { Filter, FilterFamily } from './types';

const u4 = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

function escaper(map: (c: string, index: number) => string | undefined): Filter {
  return (input, args) => {
    if (input === null || args.length) return null;
    let out = '';
    for (let i = 0; i < input.length; i++) {
      const c = input.charAt(i);
      out += map(c, i) ?? c;
    }
    return out;
  };
}

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const CONTROL: Record<string, string> = { '\\': '\\\\', '\r': '\\r', '\n': '\\n', '\t': '\\t' };

function properties(key: boolean): Filter {
  return escaper((c, i) => {
    if (CONTROL[c]) return CONTROL[c];
    if (c === ' ') return key || i === 0 ? '\\ ' : ' ';
    if (key && (c === ':' || c === '=')) return `\\${c}`;
    return c.charCodeAt(0) < 0xff ? c : u4(c);
  });
}

export const escapeFilters: FilterFamily = {
  /** @example `#{Foo | HtmlEscape}` with Foo = `A&'bc` → `A&amp;&apos;bc` */
  HtmlEscape: escaper((c) => (c === '/' ? '&#x2F;' : HTML[c])),
  XmlEscape: escaper((c) => HTML[c]),
  /** @example `#{Foo | JsonEscape}` with Foo = `a"b` → `a\"b` */
  JsonEscape: escaper((c) => (c === '"' ? '\\"' : CONTROL[c])),
  /** @example `#{Foo | YamlSingleQuoteEscape}` with Foo = `it's` → `it''s` */
  YamlSingleQuoteEscape: (input, args) => {
    if (input === null || args.length) return null;
    return input
      .replace(/(?:\r?\n)+/g, (run) => (run.startsWith('\r') ? '\r\n' : '\n') + run)
      .replace(/'/g, "''");
  },
  YamlDoubleQuoteEscape: escaper((c) => {
    if (c === '"') return '\\"';
    if (CONTROL[c]) return CONTROL[c];
    const code = c.charCodeAt(0);
    return code >= 0x20 && code <= 0x7e ? c : u4(c);
  }),
  PropertiesKeyEscape: properties(true),
  PropertiesValueEscape: properties(false),
};
