// What a terminal displays of a line: control sequences (ANSI CSI such as SGR colours, OSC
// titles), NUL and zero-width characters take no cell, so a secret interleaved with them still
// reads as the secret. The masker matches this view and maps what it finds back.

const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|[\u0000\u00ad\u200b-\u200d\u2060\ufeff]/g;

export interface DisplayView {
  text: string;
  /** For each character of `text`, its index in the original; undefined when they are equal. */
  origin: number[] | undefined;
}

export function displayView(original: string): DisplayView {
  INVISIBLE.lastIndex = 0;
  if (!INVISIBLE.test(original)) return { text: original, origin: undefined };
  INVISIBLE.lastIndex = 0;
  let text = '';
  const origin: number[] = [];
  let cursor = 0;
  const keep = (end: number) => {
    for (let i = cursor; i < end; i++) origin.push(i);
    text += original.slice(cursor, end);
  };
  for (const match of original.matchAll(INVISIBLE)) {
    keep(match.index);
    cursor = match.index + match[0].length;
  }
  keep(original.length);
  return { text, origin };
}

/** The form a secret is matched in once invisible characters are dropped from it. */
export function displayed(value: string): string {
  return value.replace(INVISIBLE, '');
}
