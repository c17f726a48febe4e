const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const EMPHASIS: [RegExp, string][] = [
  [/\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*/g, 'strong'],
  [/(?<![\p{L}\p{N}])__(?=\S)([^_\n]+?)(?<=\S)__(?![\p{L}\p{N}])/gu, 'strong'],
  [/\*(?=\S)([^*\n]+?)(?<=\S)\*/g, 'em'],
  [/(?<![\p{L}\p{N}])_(?=\S)([^_\n]+?)(?<=\S)_(?![\p{L}\p{N}])/gu, 'em'],
  [/~~(?=\S)([^~\n]+?)(?<=\S)~~/g, 'del'],
  [/~(?=\S)([^~\s]+?)~/g, 'sub'],
  [/\^(?=\S)([^^\s]+?)\^/g, 'sup'],
];

const BARE_URL = /\b(?:https?:\/\/|ftp:\/\/|mailto:|www\.)[^\s<]*[^\s<.,:;"')\]*_~]/g;

/** Inline Markdown: code spans, links, auto-links, emphasis extras; everything else escaped. */
export function renderInline(text: string): string {
  const held: string[] = [];
  const hold = (html: string): string => `\ue000${held.push(html) - 1}\ue001`;
  let s = text.replace(/[\ue000\ue001]/g, '');
  s = s.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_m, _t, code: string) =>
    hold(`<code>${escapeHtml(code.trim())}</code>`)
  );
  s = s.replace(
    /(!?)\[([^\]\n]*)\]\(\s*<?([^\s)>]*)>?(?:\s+"([^"]*)")?\s*\)/g,
    (_m, bang: string, label: string, url: string, title?: string) => {
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return bang
        ? hold(`<img src="${escapeHtml(url)}" alt="${escapeHtml(label)}"${t} />`)
        : hold(`<a href="${escapeHtml(url)}"${t}>`) + label + hold('</a>');
    }
  );
  s = s.replace(/<((?:https?|ftp|mailto):[^\s<>]+)>/g, (_m, url: string) =>
    hold(`<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`)
  );
  s = s.replace(BARE_URL, (url) => {
    const href = url.startsWith('www.') ? `http://${url}` : url;
    return hold(`<a href="${escapeHtml(href)}">${escapeHtml(url)}</a>`);
  });
  s = escapeHtml(s);
  for (const [re, tag] of EMPHASIS) s = s.replace(re, `<${tag}>$1</${tag}>`);
  s = s.replace(/ {2,}\n/g, '<br />\n');
  return s.replace(/\ue000(\d+)\ue001/g, (_m, n: string) => held[Number(n)] ?? '');
}
