import {
  decodeScript,
  splitSignatureBlock,
  stripSignatureBlock,
  verifyAuthenticode,
  type AuthenticodeResult,
} from '../../../src/integrity/authenticode';
import { certFromPem } from '../../../src/integrity/x509';
import { fx, fxText } from './fixtures';

const roots = () => certFromPem(fxText('root.pem'));
const verify = (bytes: Buffer, now?: Date): AuthenticodeResult =>
  verifyAuthenticode(bytes, { roots: roots(), ...(now ? { now } : {}) });

/** Rebuilds a signed ASCII/CRLF script around a modified PKCS#7 DER. */
function withDer(name: string, change: (der: Buffer) => Buffer): Buffer {
  const text = fxText(name);
  const block = splitSignatureBlock(text);
  if (!block) throw new Error('no block');
  const b64 = change(Buffer.from(block.der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return Buffer.from(
    `${block.body}\r\n# SIG # Begin signature block\r\n${lines.map((l) => `# ${l}\r\n`).join('')}# SIG # End signature block\r\n`,
    'utf8'
  );
}

describe('authenticode: valid signatures', () => {
  it.each([
    ['hello-lf.signed.ps1', 'ascii'],
    ['hello-crlf.signed.ps1', 'ascii'],
    ['hello-utf8bom.signed.ps1', 'utf-8-bom'],
    ['hello-utf16.signed.ps1', 'utf-16le'],
    ['hello-ec.signed.ps1', 'ascii'],
    ['Greeting.signed.psm1', 'ascii'],
    ['hello-sha384.signed.ps1', 'ascii'],
    ['hello-sha512.signed.ps1', 'ascii'],
    ['hello-ts.signed.ps1', 'ascii'],
    ['big.signed.ps1', 'ascii'],
  ])('%s verifies (%s)', (name, encoding) => {
    const result = verify(fx(name));
    expect(result).toMatchObject({ status: 'valid', encoding });
  });

  it('names the signer and, with a timestamp, the signing time', () => {
    const result = verify(fx('hello-ts.signed.ps1'));
    if (result.status !== 'valid') throw new Error(JSON.stringify(result));
    expect(result.signer.commonName).toBe('Tidepool Test Script Signer (RSA)');
    expect(result.signer.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(result.timestamp).toBeDefined();
    expect(result.validatedAt).toBe(result.timestamp);
    expect(verify(fx('hello-sha384.signed.ps1'))).toMatchObject({ digestAlgorithm: 'sha384' });
  });

  it('reports an unsigned script as absent', () => {
    expect(verify(fx('hello-lf.ps1')).status).toBe('absent');
  });
});

describe('authenticode: each refusal has its own reason', () => {
  it.each([
    ['hello-lf.tampered.ps1', 'hash-mismatch', /changed after it was signed/],
    ['hello-lf.crlf-converted.ps1', 'hash-mismatch', /line-ending/],
    ['hello-crlf.appended.ps1', 'content-after-block', /Remove-Item.*appended code/],
    ['hello-rogue.signed.ps1', 'untrusted-root', /Rogue Self-Signed Signer.*not a trusted root/],
    ['hello-otherca.signed.ps1', 'untrusted-root', /Some Other Root CA/],
    ['hello-wrongeku.signed.ps1', 'wrong-eku', /code-signing/],
    ['hello-sha1.signed.ps1', 'unsupported-algorithm', /sha1 is not accepted/],
    ['hello-md5.signed.ps1', 'unsupported-algorithm', /md5 is not accepted/],
    ['hello-ambiguous.signed.ps1', 'ambiguous-encoding', /ANSI code page/],
  ])('%s → %s', (name, code, reason) => {
    const result = verify(fx(name));
    expect(result).toMatchObject({ status: 'invalid', code });
    expect(result.status === 'invalid' && result.reason).toMatch(reason);
  });

  it('refuses a valid signature under a different trust root', () => {
    const result = verifyAuthenticode(fx('hello-lf.signed.ps1'), {
      roots: certFromPem(fxText('other-root.pem')),
    });
    expect(result).toMatchObject({ status: 'invalid', code: 'untrusted-root' });
  });

  it('checks an expired certificate at the current time without a timestamp, at the timestamp with one', () => {
    const later = new Date(Date.now() + 5 * 365 * 86400_000); // leaves live 825 days
    const plain = verify(fx('hello-crlf.signed.ps1'), later);
    expect(plain).toMatchObject({ status: 'invalid', code: 'cert-expired' });
    expect(plain.status === 'invalid' && plain.reason).toMatch(
      /no timestamp: checked at the current time/
    );
    expect(verify(fx('hello-ts.signed.ps1'), later)).toMatchObject({ status: 'valid' });
  });

  it('refuses a signature made for another SIP (file type)', () => {
    const bytes = withDer('hello-crlf.signed.ps1', (der) => {
      const guid = Buffer.from('1fcc3b60594b084eb724d2c6297ef351', 'hex');
      const at = der.indexOf(guid);
      expect(at).toBeGreaterThan(0);
      Buffer.from('c689aaba8d8f11d1a0f20000f8754a44', 'hex').copy(der, at); // some other SIP
      return der;
    });
    const result = verify(bytes);
    expect(result).toMatchObject({ status: 'invalid', code: 'wrong-sip' });
  });

  it('refuses ambiguous ASN.1: trailing bytes and non-DER lengths', () => {
    expect(
      verify(withDer('hello-crlf.signed.ps1', (der) => Buffer.concat([der, Buffer.from([0, 0])])))
    ).toMatchObject({
      status: 'invalid',
      code: 'ambiguous-asn1',
    });
    const longForm = withDer('hello-crlf.signed.ps1', (der) => {
      // outer SEQUENCE 30 82 LL LL → 30 83 00 LL LL: same value, non-minimal length
      expect(der[1]).toBe(0x82);
      return Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]);
    });
    expect(verify(longForm)).toMatchObject({ status: 'invalid', code: 'ambiguous-asn1' });
  });

  it('refuses a changed signature value and malformed blocks', () => {
    const flipped = withDer('hello-crlf.signed.ps1', (der) => {
      der[der.length - 10] = (der[der.length - 10] ?? 0) ^ 0xff;
      return der;
    });
    expect(verify(flipped).status).toBe('invalid');
    const text = fxText('hello-crlf.signed.ps1');
    expect(
      verify(Buffer.from(text.replace('\r\n# SIG # End', '\r\n#!!\r\n# SIG # End')))
    ).toMatchObject({ code: 'malformed-block' });
    expect(verify(Buffer.from(text.replace('# SIG # End signature block', 'x')))).toMatchObject({
      code: 'malformed-block',
    });
    expect(verify(Buffer.from(text + text))).toMatchObject({ code: 'malformed-block' });
    expect(verify(Buffer.from(text.replace(/\r\n# SIG # Begin/, '\n# SIG # Begin')))).toMatchObject(
      { code: 'malformed-block' }
    );
  });
});

describe('authenticode: text rules', () => {
  it('decodes by BOM and refuses what tools would read differently', () => {
    expect(decodeScript(Buffer.from('abc')).encoding).toBe('ascii');
    expect(decodeScript(Buffer.from('é at the start', 'utf8')).encoding).toBe('utf-8');
    const be = Buffer.from('\ufeffhi', 'utf16le').swap16();
    expect(decodeScript(be)).toEqual({ text: '\ufeffhi', encoding: 'utf-16be' });
    expect(() => decodeScript(Buffer.from([0xef, 0xbb, 0xbf, 0xff]))).toThrow(/not valid UTF-8/);
    expect(() => decodeScript(Buffer.from([0xff, 0xfe, 0x41]))).toThrow(/odd number/);
  });

  it('strips the block from rendered text', () => {
    const text = fxText('hello-crlf.signed.ps1');
    expect(stripSignatureBlock(text)).toBe(splitSignatureBlock(text)?.body);
  });
});
