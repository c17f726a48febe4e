import {
  parseAllowedSigners,
  verifySshsig,
  type SshsigOptions,
} from '../../../src/integrity/sshsig';
import { fx, fxText } from './fixtures';

const signers = () => parseAllowedSigners(fxText('allowed_signers'));
const check = (script: string, sig: string | undefined, extra: Partial<SshsigOptions> = {}) =>
  verifySshsig(fx(script), sig === undefined ? undefined : fxText(sig), {
    allowedSigners: signers(),
    ...extra,
  });

describe('sshsig: valid signatures', () => {
  it.each([
    ['deploy.sh.sig', 'ssh-ed25519', 'release-signer@example.org'],
    ['deploy.sh.ecdsa.sig', 'ecdsa-sha2-nistp256', 'release-signer@example.org'],
    ['deploy.sh.rsa.sig', 'ssh-rsa', 'rsa-signer@example.org'],
    ['deploy.sh.file-ns.sig', 'ssh-ed25519', 'release-signer@example.org'],
  ])('%s verifies with a %s key', (sig, keyType, principal) => {
    const r = check('deploy.sh', sig);
    expect(r).toMatchObject({ status: 'valid', signer: { keyType, principal } });
    expect(r.status === 'valid' && r.signer.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches a required principal, with wildcards in allowed_signers', () => {
    expect(
      check('deploy.sh', 'deploy.sh.sig', { principal: 'release-signer@example.org' }).status
    ).toBe('valid');
    const wild = parseAllowedSigners(
      fxText('allowed_signers').replace(/^release-signer@example.org /m, '*@example.org ')
    );
    expect(
      verifySshsig(fx('deploy.sh'), fxText('deploy.sh.sig'), {
        allowedSigners: wild,
        principal: 'anyone@example.org',
      }).status
    ).toBe('valid');
  });
});

describe('sshsig: refusals', () => {
  it('a changed byte', () => {
    expect(check('deploy.tampered.sh', 'deploy.sh.sig')).toMatchObject({
      status: 'invalid',
      code: 'bad-signature',
    });
  });
  it('a namespace that is not accepted', () => {
    const r = check('deploy.sh', 'deploy.sh.git-ns.sig');
    expect(r).toMatchObject({ status: 'invalid', code: 'wrong-namespace' });
    expect(r.status === 'invalid' && r.reason).toMatch(/'git'.*accepted: file, tidepool-script/);
    expect(
      check('deploy.sh', 'deploy.sh.file-ns.sig', { namespaces: ['tidepool-script'] })
    ).toMatchObject({ code: 'wrong-namespace' });
  });
  it('a key restricted to other namespaces in allowed_signers', () => {
    const text = fxText('allowed_signers').replace(
      /^release-signer@example.org ssh-ed25519/m,
      'release-signer@example.org namespaces="deploy" ssh-ed25519'
    );
    const r = verifySshsig(fx('deploy.sh'), fxText('deploy.sh.sig'), {
      allowedSigners: parseAllowedSigners(text),
    });
    expect(r).toMatchObject({ status: 'invalid', code: 'wrong-namespace' });
  });
  it('the code names the kind of refusal, whatever words the allowed_signers line uses', () => {
    const text = fxText('allowed_signers').replace(
      /^release-signer@example.org ssh-ed25519/m,
      'release-signer@example.org namespaces="principal-deploy" ssh-ed25519'
    );
    const r = verifySshsig(fx('deploy.sh'), fxText('deploy.sh.sig'), {
      allowedSigners: parseAllowedSigners(text),
    });
    expect(r).toMatchObject({ status: 'invalid', code: 'wrong-namespace' });
  });
  it('a key not in allowed_signers', () => {
    expect(check('deploy.sh', 'deploy.sh.other.sig')).toMatchObject({ code: 'untrusted-signer' });
  });
  it('a principal that does not match', () => {
    expect(
      check('deploy.sh', 'deploy.sh.sig', { principal: 'someone-else@example.org' })
    ).toMatchObject({ code: 'wrong-principal' });
  });
  it('a key past its valid-before', () => {
    const text = fxText('allowed_signers').replace(
      /^release-signer@example.org ssh-ed25519/m,
      'release-signer@example.org valid-before="20200101" ssh-ed25519'
    );
    const r = verifySshsig(fx('deploy.sh'), fxText('deploy.sh.sig'), {
      allowedSigners: parseAllowedSigners(text),
    });
    expect(r).toMatchObject({ code: 'untrusted-signer' });
    expect(r.status === 'invalid' && r.reason).toMatch(/not valid at/);
  });
  it('no signature, garbage, and trailing data', () => {
    expect(check('deploy.sh', undefined).status).toBe('absent');
    expect(verifySshsig(fx('deploy.sh'), 'hello', { allowedSigners: signers() })).toMatchObject({
      code: 'malformed-signature',
    });
    const armored = fxText('deploy.sh.sig');
    const blob = Buffer.from(armored.split('\n').slice(1, -2).join(''), 'base64');
    const extended = Buffer.concat([blob, Buffer.from([0])]).toString('base64');
    const bad = `-----BEGIN SSH SIGNATURE-----\n${extended}\n-----END SSH SIGNATURE-----\n`;
    expect(verifySshsig(fx('deploy.sh'), bad, { allowedSigners: signers() })).toMatchObject({
      code: 'malformed-signature',
    });
  });
});

describe('allowed_signers parsing', () => {
  it('reads principals, options and keys; refuses what it cannot read', () => {
    const [entry] = parseAllowedSigners(
      'a@x,b@y namespaces="file,tidepool-script",valid-after="20240101Z" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA c\n# comment\n'
    );
    expect(entry).toMatchObject({
      principals: ['a@x', 'b@y'],
      namespaces: ['file', 'tidepool-script'],
      keyType: 'ssh-ed25519',
    });
    expect(entry?.validAfter?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(() => parseAllowedSigners('a@x cert-authority ssh-ed25519 AAAA')).toThrow(
      /cert-authority/
    );
    expect(() => parseAllowedSigners('a@x')).toThrow(/line 1/);
  });
});
