import { OutputCollector, SPLIT_LINE_CHARS } from '../../../src/collect/collector';
import { Masker, MASK } from '../../../src/collect/masker';
import { encodeBase64 as b64 } from '../../../src/collect/service-message';
import { LineSplitter } from '../../../src/run/line-splitter';
import type { LogEntry } from '../../../src/step/result';

const SECRET = 'cut-me-not-secret-42';

function collector() {
  const log: LogEntry[] = [];
  const masker = new Masker();
  masker.add(SECRET);
  return { log, collector: new OutputCollector(masker, (e) => log.push(e)) };
}

/** Any five characters of the secret in a row. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 5 <= SECRET.length; i++) {
    if (text.includes(SECRET.slice(i, i + 5))) found.push(SECRET.slice(i, i + 5));
  }
  return found;
}

describe('masking before cutting', () => {
  it('masks the "could not parse" quote before it is cut at 200 characters', () => {
    const { log, collector: c } = collector();
    c.line('stdout', `##octopus[bad ${'x'.repeat(180)}${SECRET} x='not base64']`);
    const warning = log.map((e) => e.text).join('\n');
    expect(warning).toContain('Could not parse');
    expect(leaks(warning)).toEqual([]);
  });

  it('masks progress text before it is cut at 4096 characters', () => {
    const { collector: c } = collector();
    const message = `${'p'.repeat(4090)}${SECRET}`;
    c.line('stdout', `##octopus[progress percentage='${b64('5')}' message='${b64(message)}']`);
    expect(c.progress[0]?.message).toBe(`${'p'.repeat(4090)}${MASK.slice(0, 6)}`);
  });

  it('masks the result message before it is cut', () => {
    const { collector: c } = collector();
    const message = `${'r'.repeat(64 * 1024 - 8)}${SECRET}`;
    c.line('stdout', `##octopus[resultMessage message='${b64(message)}']`);
    expect(leaks(c.resultMessage ?? '')).toEqual([]);
  });

  it('masks a secret cut by the 1 MiB line split on both sides', () => {
    for (const before of [3, 10, SECRET.length - 2]) {
      const { log, collector: c } = collector();
      const splitter = new LineSplitter((line) => c.line('stdout', line), SPLIT_LINE_CHARS);
      splitter.push(`${'a'.repeat(SPLIT_LINE_CHARS - before)}${SECRET} tail\nnext line\n`);
      splitter.end();
      const texts = log.map((e) => e.text);
      expect(texts).toHaveLength(3);
      expect(texts[0]?.endsWith(MASK)).toBe(true);
      expect(texts[1]).toBe(`${MASK} tail`);
      expect(texts[2]).toBe('next line');
      expect(leaks(texts.join(''))).toEqual([]);
    }
  });
});
