import { createHash, generateKeyPairSync } from 'node:crypto';
import { signDigest } from './ecdsa-digest';
import {
  KmsSigner,
  LocalSigner,
  pae,
  signStatement,
  verifyEnvelope,
  PREDICATE_TYPE,
  STATEMENT_TYPE,
  type KmsApi,
} from '../../../src/integrity/attestation';
import { canonicalJson } from '../../../src/integrity/jcs';
import { parseTrustStore, trustStoreFromDocument } from '../../../src/integrity/trust-store';
import { createIntegrityCheck } from '../../../src/integrity/check';
import { fxText } from './fixtures';

const statement = {
  _type: STATEMENT_TYPE,
  subject: [],
  predicateType: PREDICATE_TYPE,
  predicate: { x: 1 },
};

describe('DSSE envelope', () => {
  it('PAE is the DSSE v1 encoding', () => {
    expect(pae('a/b', Buffer.from('hello')).toString()).toBe('DSSEv1 3 a/b 5 hello');
  });

  it('verifies with the local key, not after a one-byte change, not with another key', async () => {
    const signer = LocalSigner.generate();
    const env = await signStatement(statement, signer);
    expect(verifyEnvelope(env, await signer.publicKeyPem())).toMatchObject({
      ok: true,
      keyid: await signer.keyId(),
    });
    const payload = Buffer.from(env.payload, 'base64');
    payload[payload.length - 2] = (payload[payload.length - 2] ?? 0) ^ 1;
    expect(
      verifyEnvelope({ ...env, payload: payload.toString('base64') }, await signer.publicKeyPem())
        .ok
    ).toBe(false);
    expect(verifyEnvelope(env, await LocalSigner.generate().publicKeyPem()).ok).toBe(false);
  });

  it('the KMS signer (against a stand-in speaking Sign/GetPublicKey with MessageType=DIGEST) produces envelopes that verify', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const calls: string[] = [];
    const standIn: KmsApi = {
      async sign(input) {
        calls.push(`${input.MessageType}/${input.SigningAlgorithm}/${input.Message.length}`);
        // KMS signs the given SHA-256 digest as is: ECDSA over a pre-hashed message.
        return { Signature: signDigest(input.Message, privateKey) };
      },
      async getPublicKey() {
        return { PublicKey: publicKey.export({ type: 'spki', format: 'der' }) };
      },
    };
    const signer = new KmsSigner(standIn, 'arn:aws:kms:eu-west-1:111122223333:key/test');
    const env = await signStatement(statement, signer);
    expect(calls).toEqual(['DIGEST/ECDSA_SHA_256/32']);
    expect(verifyEnvelope(env, publicKey)).toMatchObject({ ok: true });
  });

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined })).toBe(
      '{"a":[true,null,"x"],"b":1}'
    );
    expect(
      createHash('sha256')
        .update(canonicalJson({ a: 1 }))
        .digest('hex')
    ).toHaveLength(64);
  });
});

describe('trust store', () => {
  it('is versioned and digest-pinned', () => {
    const doc = {
      version: '2024-06-01',
      roots: [fxText('root.pem')],
      allowedSigners: fxText('allowed_signers'),
    };
    const bytes = Buffer.from(JSON.stringify(doc));
    const digest = createHash('sha256').update(bytes).digest('hex');
    const store = parseTrustStore(bytes, digest);
    expect(store).toMatchObject({
      version: '2024-06-01',
      digest: `sha256:${digest}`,
      namespaces: ['file', 'tidepool-script'],
    });
    expect(store.roots).toHaveLength(1);
    expect(store.allowedSigners).toHaveLength(3);
    expect(() => parseTrustStore(bytes, '00'.repeat(32))).toThrow(/does not match the pinned/);
    expect(() => trustStoreFromDocument({ version: 'x', roots: ['nope'] })).toThrow(/not a PEM/);
  });
});

describe('integrity check', () => {
  it('records an audit finding, refuses under Enforce, and reports a verbatim request', async () => {
    const subject = {
      syntax: 'bash' as const,
      script: { text: 'echo #{X}', origin: 'inline' as const },
      modules: [],
    };
    const audit = await createIntegrityCheck({ policy: 'AllSigned', enforcement: 'Audit' })(
      subject
    );
    expect(audit).toMatchObject({ allowed: true, report: { decision: 'audit' } });
    const enforce = await createIntegrityCheck({ policy: 'AllSigned', enforcement: 'Enforce' })(
      subject
    );
    expect(enforce).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/AllSigned requires a signature/),
    });
    const verbatim = await createIntegrityCheck({ policy: 'Unrestricted', enforcement: 'Audit' })({
      ...subject,
      requested: { verbatim: true },
    });
    // What verbatim then does to the script is the render stage's (test/unit/pipeline/render.test.ts).
    expect(verbatim.report?.verbatim).toBe(true);
    expect(audit.report?.verbatim).toBe(false);
  });

  it('treats a store object that changed between reads as invalid', async () => {
    const v = await createIntegrityCheck({ policy: 'AllSigned', enforcement: 'Enforce' })({
      syntax: 'bash',
      script: { text: 'echo a', origin: 'store', key: 's.sh' },
      modules: [],
      read: async () => Buffer.from('echo b'),
    });
    expect(v).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/changed between reads/),
    });
  });
});
