import { Masker, MASK } from '../../../src/collect/masker';

function masked(secrets: string[], text: string): string {
  const masker = new Masker();
  for (const s of secrets) masker.add(s);
  return masker.apply(text);
}

describe('Masker: the forms tools print', () => {
  const unicode = 'pässwörd/€-😀';

  it('masks JSON with non-ASCII escaped as \\uXXXX, in either case, and the escaped solidus', () => {
    const lower = '"p\\u00e4ssw\\u00f6rd/\\u20ac-\\ud83d\\ude00"'; // json.dumps, jq -a
    const upper = lower.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => `\\u${h.toUpperCase()}`);
    for (const text of [lower, upper, lower.replace('/', '\\/'), upper.replace('/', '\\/')]) {
      expect(masked([unicode], `{"k":${text}}`)).toBe(`{"k":"${MASK}"}`);
    }
    expect(masked(['a/b/c/d'], '"a\\/b\\/c\\/d"')).toBe(`"${MASK}"`);
  });

  it("masks PowerShell's HTML-safe JSON escapes", () => {
    expect(masked(["it's<ok>"], '"it\\u0027s\\u003cok\\u003e"')).toBe(`"${MASK}"`);
  });

  it('masks percent-encoding in every common dialect', () => {
    const secret = "a b/c!d'(e)*f~ä";
    const forms = [
      "a%20b%2Fc!d'(e)*f~%C3%A4", // encodeURIComponent
      'a%20b%2Fc%21d%27%28e%29%2Af~%C3%A4', // EscapeDataString, UriDataEscape, quote(safe='')
      'a%20b/c%21d%27%28e%29%2Af~%C3%A4', // Python quote
      'a+b%2Fc%21d%27%28e%29%2Af~%C3%A4', // Python quote_plus
    ];
    for (const form of forms) {
      expect(masked([secret], `?q=${form}&x`)).toBe(`?q=${MASK}&x`);
      const lowerHex = form.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
      expect(masked([secret], `?q=${lowerHex}&x`)).toBe(`?q=${MASK}&x`);
    }
  });

  it('masks base64url at every offset', () => {
    const secret = 'ÿÿÿ>>>???~~~';
    for (const prefix of ['', 'a', 'ab']) {
      const url = Buffer.from(`${prefix}${secret}`).toString('base64url');
      expect(url).toMatch(/[-_]/);
      expect(masked([secret], `token=${url}`)).toContain(MASK);
      expect(masked([secret], `token=${url}`)).not.toMatch(/[-_]{2}/);
    }
  });

  it('masks base64 wrapped at 76 columns, on each line, at every cut', () => {
    const secret = 'correct horse battery staple, and a long one at that';
    const leaks: string[] = [];
    for (let pad = 0; pad < 80; pad++) {
      const encoded = Buffer.from(`${'x'.repeat(pad)}${secret}yy`).toString('base64');
      const lines = encoded.match(/.{1,76}/g) ?? [];
      const masker = new Masker();
      masker.add(secret);
      const out = lines.map((line) => masker.apply(line, 'stdout'));
      const left = out.join('').split(MASK);
      // No piece left over decodes to four consecutive characters of the secret.
      for (const piece of left) {
        for (let shift = 0; shift < 4; shift++) {
          const decoded = Buffer.from(piece.slice(shift), 'base64').toString('latin1');
          for (let i = 0; i + 4 <= secret.length; i++) {
            if (decoded.includes(secret.slice(i, i + 4))) leaks.push(`${pad}: ${piece}`);
          }
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('does not carry a line over into another stream', () => {
    const masker = new Masker();
    masker.add('correct horse battery staple');
    const encoded = Buffer.from('correct horse battery staple').toString('base64');
    const cut = encoded.length - 6;
    masker.apply(encoded.slice(0, cut), 'stdout');
    expect(masker.apply(encoded.slice(cut), 'stderr')).toBe(encoded.slice(cut));
  });
});

describe('Masker: what a terminal shows', () => {
  it.each([
    ['SGR colours', 's3cr\u001b[31me\u001b[0mt-value'],
    ['NUL', 's3cr\u0000et-value'],
    ['zero-width characters', 's\u200b3cr\u200de\ufefft-va\u2060lue'],
    ['a title (OSC)', 's3cr\u001b]0;x\u0007et-value'],
  ])('masks a secret interleaved with %s', (_, text) => {
    expect(masked(['s3cret-value'], `before ${text} after`)).toBe(`before ${MASK} after`);
  });

  it('keeps the sequences outside the secret', () => {
    expect(masked(['s3cret-value'], '\u001b[1mkey: s3cr\u001b[0met-value\u001b[0m')).toBe(
      `\u001b[1mkey: ${MASK}\u001b[0m`
    );
  });
});

describe('Masker: cost', () => {
  it('scans a line once per automaton, whatever the number of secrets', () => {
    const line = 'an ordinary log line with nothing secret in it at all, '.repeat(4);
    const work = (count: number) => {
      const masker = new Masker();
      for (let i = 0; i < count; i++) masker.add(`secret-${i}-${'z'.repeat(8)}`);
      masker.apply('warm-up');
      const before = masker.steps;
      masker.apply(line);
      return { steps: masker.steps - before, depth: masker.depth };
    };
    const few = work(10);
    const many = work(10_000);
    // All secrets added before the first line: one automaton, and the same work per character.
    expect(many.depth).toBe(1);
    expect(many.steps).toBeLessThanOrEqual(few.steps * 2);
    expect(many.steps).toBeLessThan(line.length * 4);
  });

  it('keeps O(log n) automata when secrets arrive between lines (mask messages)', () => {
    const masker = new Masker();
    for (let i = 0; i < 8000; i++) {
      masker.add(`mask-value-${i}`);
      expect(masker.apply(`line ${i} mask-value-${i} end`)).toBe(`line ${i} ${MASK} end`);
    }
    expect(masker.depth).toBeLessThanOrEqual(14);
    expect(masker.apply('mask-value-1 mask-value-7999')).toBe(`${MASK} ${MASK}`);
  });
});

describe('Masker: values too short to mask', () => {
  it('notes the names of sensitive values of 1-3 characters, not of empty or long ones', () => {
    const masker = new Masker();
    masker.add('abc', 'Pin');
    masker.add('', 'Empty');
    masker.add('   ', 'Blank');
    masker.add('long-enough', 'Token');
    masker.add('xy');
    expect([...masker.tooShort]).toEqual(['Pin']);
    expect(masker.apply('abc long-enough')).toBe(`abc ${MASK}`);
  });
});
