import { base64Cores, Masker, MASK } from '../../../src/collect/masker';

function masked(secrets: string[], text: string): string {
  const masker = new Masker();
  for (const s of secrets) masker.add(s);
  return masker.apply(text);
}

describe('Masker', () => {
  it('masks every plain occurrence with eight asterisks, inside words too', () => {
    expect(masked(['broke'], 'broken and broke')).toBe(`${MASK}n and ${MASK}`);
  });

  it('never masks values under four characters or blank values', () => {
    expect(masked(['abc', '    ', ''], 'abc    abc')).toBe('abc    abc');
  });

  it('merges overlapping and adjacent matches into one mask', () => {
    expect(masked(['abcd', 'cdef'], 'xxabcdefxx')).toBe(`xx${MASK}xx`);
    expect(masked(['abcd'], 'abcdabcd')).toBe(MASK);
  });

  it('masks the longest covering value', () => {
    expect(masked(['pass', 'password123'], 'is password123!')).toBe(`is ${MASK}!`);
  });

  it('masks JSON-escaped and URL-encoded forms', () => {
    const secret = 'p@ss "word"/1';
    expect(masked([secret], `{"k":${JSON.stringify(secret)}}`)).toBe(`{"k":"${MASK}"}`);
    expect(masked([secret], `?q=${encodeURIComponent(secret)}&x=1`)).toBe(`?q=${MASK}&x=1`);
  });

  it('masks the base64 of a secret at every byte offset inside a longer string', () => {
    const secret = 'correct horse battery staple';
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
      const encoded = Buffer.from(`${prefix}${secret}-suffix`).toString('base64');
      const out = masked([secret], `Authorization: Basic ${encoded}`);
      expect(out).toContain(MASK);
      // What is left cannot be decoded back to the secret.
      const leftover = out.replace('Authorization: Basic ', '').split(MASK).join('');
      expect(Buffer.from(leftover, 'base64').toString()).not.toContain('horse');
    }
  });

  it('computes the offset-independent base64 cores', () => {
    const cores = base64Cores('secret-value');
    expect(cores).toHaveLength(3);
    expect(Buffer.from('secret-value').toString('base64')).toContain(cores[0]);
  });

  it('masks each line of a multi-line secret, and the secret with its breaks removed', () => {
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END KEY-----';
    expect(masked([key], 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX')).toBe(MASK);
    expect(masked([key], key.replace(/\n/g, ''))).toBe(MASK);
    expect(masked([key], key.replace(/\n/g, ' '))).toBe(MASK);
  });

  it('masks only from the moment a value is added', () => {
    const masker = new Masker();
    expect(masker.apply('token 1234abcd')).toBe('token 1234abcd');
    masker.add('1234abcd');
    expect(masker.apply('token 1234abcd')).toBe(`token ${MASK}`);
  });
});
