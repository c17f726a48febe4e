import { EvaluationError } from '../errors';
import { dotnetTrim } from '../chars';
import { renderInline } from './markdown-inline';
import type { Filter, FilterFamily } from './types';

const MAX_INPUT = 256 * 1024;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const LIST_ITEM = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

function table(header: string, rows: string[]): string {
  const head = cells(header)
    .map((c) => `<th>${renderInline(c)}</th>\n`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>\n${cells(r)
          .map((c) => `<td>${renderInline(c)}</td>\n`)
          .join('')}</tr>\n`
    )
    .join('');
  return `<table>\n<thead>\n<tr>\n${head}</tr>\n</thead>\n${body ? `<tbody>\n${body}</tbody>\n` : ''}</table>\n`;
}

/** A CommonMark subset with Markdig's pipe tables, emphasis extras and auto-links. */
function renderBlocks(lines: string[]): string {
  let out = '';
  let i = 0;
  const isBlank = (l: string | undefined): boolean => l === undefined || l.trim() === '';
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^\s{0,3}(```|~~~)\s*(\S*)/.exec(line);
    const heading = /^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/.exec(line);
    if (fence) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trim().startsWith(fence[1]!); i++)
        code.push(lines[i]!);
      i++;
      const cls = fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : '';
      out += `<pre><code${cls}>${code.map((c) => escapeHtml(c) + '\n').join('')}</code></pre>\n`;
    } else if (heading) {
      const n = heading[1]!.length;
      out += `<h${n}>${renderInline(heading[2] ?? '')}</h${n}>\n`;
      i++;
    } else if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out += '<hr />\n';
      i++;
    } else if (/^\s{0,3}>/.test(line)) {
      const inner: string[] = [];
      for (; i < lines.length && !isBlank(lines[i]); i++)
        inner.push(lines[i]!.replace(/^\s{0,3}>\s?/, ''));
      out += `<blockquote>\n${renderBlocks(inner)}</blockquote>\n`;
    } else if (LIST_ITEM.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      for (; i < lines.length && LIST_ITEM.test(lines[i]!); i++)
        items.push(LIST_ITEM.exec(lines[i]!)![2]!);
      const tag = ordered ? 'ol' : 'ul';
      out += `<${tag}>\n${items.map((it) => `<li>${renderInline(it)}</li>\n`).join('')}</${tag}>\n`;
    } else if (
      line.includes('|') &&
      TABLE_RULE.test(lines[i + 1] ?? '') &&
      (lines[i + 1] ?? '').includes('-')
    ) {
      const rows: string[] = [];
      for (i += 2; i < lines.length && !isBlank(lines[i]) && lines[i]!.includes('|'); i++)
        rows.push(lines[i]!);
      out += table(line, rows);
    } else if (/^( {4}|\t)/.test(line)) {
      const code: string[] = [];
      for (; i < lines.length && (/^( {4}|\t)/.test(lines[i]!) || isBlank(lines[i])); i++) {
        code.push(lines[i]!.replace(/^( {4}|\t)/, ''));
      }
      while (code.length && isBlank(code[code.length - 1])) code.pop();
      out += `<pre><code>${code.map((c) => escapeHtml(c) + '\n').join('')}</code></pre>\n`;
    } else {
      const para: string[] = [];
      for (; i < lines.length && !isBlank(lines[i]); i++) para.push(lines[i]!.trim());
      out += `<p>${renderInline(para.join('\n'))}</p>\n`;
    }
  }
  return out;
}

const markdown: Filter = (input, args) => {
  if (input === null || args.length) return null;
  if (input.length > MAX_INPUT)
    throw new EvaluationError(`Markdown input larger than ${MAX_INPUT} characters`);
  return renderBlocks(dotnetTrim(input).split(/\r?\n/)) + '\n';
};

export const markdownFilters: FilterFamily = {
  /** @example `#{Notes | Markdown}` with Notes = `_yeah!_` → `<p><em>yeah!</em></p>` */
  Markdown: markdown,
  MarkdownToHtml: markdown,
};
