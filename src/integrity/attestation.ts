// Execution attestations: an in-toto Statement v1 in a DSSE envelope, signed with ECDSA P-256
// (SHA-256). It binds the verified template (digest + signer), a keyed commitment to the
// variables, the modules, the final script's digest, the policy decision, the trust store, the
// worker and the run's outcome. Anyone checks it offline with the public key (docs/integrity.md).

import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { attestationKey } from '../bucket/layout';
import type { StepResult } from '../step/result';
import type { StepMessage } from '../step/types';
import type { IntegrityVerdict } from './check';
import { canonicalJson } from './jcs';

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://tidepool.dev/attestation/script-execution/v1';
/** The substitution engine whose output the final-script digest describes. */
export const ENGINE = 'tidepool-octostache/0.1.0';

/** Signs DSSE PAE bytes with ECDSA P-256 / SHA-256; returns a DER signature. */
export interface AttestationSigner {
  keyId(): Promise<string>;
  publicKeyPem(): Promise<string>;
  sign(pae: Buffer): Promise<Buffer>;
}

/** Keyed commitment for values that may hold secrets (variables, output variables). */
export type Committer = { keyId: string; mac(data: Buffer): Promise<Buffer> };

export interface Attestor {
  signer: AttestationSigner;
  committer: Committer;
  /** Worker identity, e.g. function ARN:version, CodeSha256, request id; or host and user locally. */
  worker: Record<string, string>;
}

export function keyIdOf(publicKey: KeyObject): string {
  return (
    'sha256:' +
    createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
  );
}

/** A local ECDSA P-256 key: for the embedded stack, tests and the CLI. */
export class LocalSigner implements AttestationSigner {
  readonly publicKey: KeyObject;
  constructor(readonly privateKey: KeyObject) {
    if (
      privateKey.asymmetricKeyType !== 'ec' ||
      privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    ) {
      throw new Error('the attestation key must be an ECDSA P-256 private key');
    }
    this.publicKey = createPublicKey(privateKey);
  }
  static generate(): LocalSigner {
    return new LocalSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }
  static fromPem(pem: string): LocalSigner {
    return new LocalSigner(createPrivateKey(pem));
  }
  privateKeyPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  async keyId(): Promise<string> {
    return keyIdOf(this.publicKey);
  }
  async publicKeyPem(): Promise<string> {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
  async sign(pae: Buffer): Promise<Buffer> {
    return cryptoSign('sha256', pae, this.privateKey);
  }
  /** An HMAC key derived from the private key, for variable commitments. */
  committer(): Committer {
    const secret = this.privateKey.export({ type: 'pkcs8', format: 'der' });
    const key = Buffer.from(
      hkdfSync('sha256', secret, Buffer.alloc(0), 'tidepool variables commitment', 32)
    );
    const keyId = 'hmac-' + createHash('sha256').update(key).digest('hex').slice(0, 16);
    return { keyId, mac: async (data) => createHmac('sha256', key).update(data).digest() };
  }
}

/** The two KMS calls the signer uses, shaped like the AWS SDK v3 commands' input/output. */
export interface KmsApi {
  sign(input: {
    KeyId: string;
    Message: Uint8Array;
    MessageType: 'DIGEST';
    SigningAlgorithm: 'ECDSA_SHA_256';
  }): Promise<{ Signature?: Uint8Array }>;
  getPublicKey(input: { KeyId: string }): Promise<{ PublicKey?: Uint8Array }>;
}

/**
 * An AWS KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY). KMS signs SHA-256(PAE) with
 * MessageType=DIGEST, so there is no 4 KB message limit; the result is a DER ECDSA signature
 * that verifies against the PAE like a local one. Wire `api` to @aws-sdk/client-kms, e.g.
 * `{ sign: (i) => kms.send(new SignCommand(i)), getPublicKey: (i) => kms.send(new GetPublicKeyCommand(i)) }`.
 */
export class KmsSigner implements AttestationSigner {
  private publicKey?: KeyObject;
  constructor(
    private readonly api: KmsApi,
    private readonly keyArn: string
  ) {}
  private async key(): Promise<KeyObject> {
    if (!this.publicKey) {
      const out = await this.api.getPublicKey({ KeyId: this.keyArn });
      if (!out.PublicKey) throw new Error(`KMS returned no public key for ${this.keyArn}`);
      this.publicKey = createPublicKey({
        key: Buffer.from(out.PublicKey),
        format: 'der',
        type: 'spki',
      });
    }
    return this.publicKey;
  }
  async keyId(): Promise<string> {
    return keyIdOf(await this.key());
  }
  async publicKeyPem(): Promise<string> {
    return (await this.key()).export({ type: 'spki', format: 'pem' }).toString();
  }
  async sign(pae: Buffer): Promise<Buffer> {
    const out = await this.api.sign({
      KeyId: this.keyArn,
      Message: createHash('sha256').update(pae).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    if (!out.Signature) throw new Error('KMS returned no signature');
    return Buffer.from(out.Signature);
  }
}

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

/** DSSE pre-authentication encoding. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

export async function signStatement(
  statement: unknown,
  signer: AttestationSigner
): Promise<Envelope> {
  const payload = Buffer.from(canonicalJson(statement), 'utf8');
  const sig = await signer.sign(pae(PAYLOAD_TYPE, payload));
  return {
    payloadType: PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: await signer.keyId(), sig: sig.toString('base64') }],
  };
}

export type EnvelopeCheck =
  { ok: true; statement: Statement; keyid: string } | { ok: false; reason: string };

/** Verifies a DSSE envelope with an ECDSA P-256 public key (PEM or KeyObject). */
export function verifyEnvelope(envelope: unknown, publicKey: string | KeyObject): EnvelopeCheck {
  const env = envelope as Partial<Envelope> | null;
  if (
    !env ||
    typeof env.payload !== 'string' ||
    typeof env.payloadType !== 'string' ||
    !Array.isArray(env.signatures)
  ) {
    return { ok: false, reason: 'not a DSSE envelope' };
  }
  if (env.payloadType !== PAYLOAD_TYPE)
    return { ok: false, reason: `unexpected payload type ${env.payloadType}` };
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const keyid = keyIdOf(key);
  const payload = Buffer.from(env.payload, 'base64');
  const message = pae(env.payloadType, payload);
  const good = env.signatures.find(
    (s) =>
      typeof s?.sig === 'string' &&
      cryptoVerify('sha256', message, key, Buffer.from(s.sig, 'base64'))
  );
  if (!good) return { ok: false, reason: `no signature verifies with key ${keyid}` };
  let statement: Statement;
  try {
    statement = JSON.parse(payload.toString('utf8')) as Statement;
  } catch {
    return { ok: false, reason: 'the payload is not JSON' };
  }
  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== PREDICATE_TYPE) {
    return { ok: false, reason: 'the payload is not a Tidepool script-execution statement' };
  }
  return { ok: true, statement, keyid };
}

export interface Statement {
  _type: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicateType: string;
  predicate: Predicate;
}

export interface Predicate {
  step: {
    deploymentId: string;
    stepId: string;
    stepName?: string;
    syntax: string;
    sensitiveVariables?: string[];
  };
  policy: {
    name: string;
    enforcement: string;
    decision: string;
    reasons: string[];
    layers: unknown[];
    trustStore: { version: string; digest: string } | null;
  };
  template: unknown;
  modules: unknown[];
  variables: {
    commitment: { algorithm: 'HMAC-SHA256'; keyId: string; value: string };
    names: string[];
    sensitiveNames: string[];
  };
  substitution: { engine: string; verbatim: boolean };
  bootstrapper: { syntax: string; engine: string };
  /** Keyed like the variables: a short secret substituted into it cannot be found by trying. */
  finalScript: { algorithm: 'HMAC-SHA256'; keyId: string; value: string } | null;
  worker: Record<string, string>;
  run: {
    status: string;
    exitCode: number | null;
    error?: { code: string; message: string };
    queuedAt: string;
    startedAt: string | null;
    finishedAt: string;
    outputs: { commitment: string; artifacts: Array<{ name: string; sha256: string }> };
  };
}

export interface RunFacts {
  step: StepMessage;
  verdict: IntegrityVerdict;
  /** Raw variables after defaults (what the template was rendered with) and the sensitive names. */
  variables?: { raw: Record<string, string>; sensitiveNames: Set<string> };
  /** The final script, as handed to the bootstrapper; undefined when nothing ran. */
  rendered?: string;
  result: StepResult;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The canonical bytes the variables commitment is computed over. */
export function variablesCanonical(
  raw: Record<string, string>,
  sensitiveNames: Iterable<string>
): Buffer {
  return Buffer.from(canonicalJson({ values: raw, sensitive: [...sensitiveNames].sort() }), 'utf8');
}

/** Builds the in-toto statement for one step. */
export async function buildStatement(facts: RunFacts, attestor: Attestor): Promise<Statement> {
  const { step, verdict, result } = facts;
  const report = verdict.report;
  const items = report?.items ?? [];
  const template = items.find((i) => i.role === 'script') ?? null;
  const committer = attestor.committer;
  const vars = facts.variables;
  const varCommitment = vars
    ? (await committer.mac(variablesCanonical(vars.raw, vars.sensitiveNames))).toString('hex')
    : '';
  const artifacts = result.artifacts.flatMap((a) =>
    'sha256' in a ? [{ name: a.name, sha256: a.sha256 }] : []
  );
  const outputs = await committer.mac(Buffer.from(canonicalJson(result.outputVariables), 'utf8'));
  const finalDigest =
    facts.rendered !== undefined
      ? (await committer.mac(Buffer.from(facts.rendered, 'utf8'))).toString('hex')
      : undefined;
  return {
    _type: STATEMENT_TYPE,
    subject: [
      ...(finalDigest ? [{ name: 'final-script', digest: { 'hmac-sha256': finalDigest } }] : []),
      ...artifacts.map((a) => ({ name: `artifact:${a.name}`, digest: { sha256: a.sha256 } })),
    ],
    predicateType: PREDICATE_TYPE,
    predicate: {
      step: {
        deploymentId: step.deploymentId,
        stepId: step.stepId,
        ...(step.stepName !== undefined ? { stepName: step.stepName } : {}),
        syntax: step.syntax,
        ...(step.sensitiveVariables ? { sensitiveVariables: step.sensitiveVariables } : {}),
      },
      policy: {
        name: verdict.policy,
        enforcement: report?.enforcement ?? 'Audit',
        decision: verdict.allowed ? (report?.decision ?? 'allowed') : 'denied',
        reasons: report?.reasons ?? (verdict.allowed ? [] : [verdict.reason]),
        layers: report?.layers ?? [],
        trustStore: report?.trustStore ?? null,
      },
      template: template
        ? { ...template, ...('key' in step.script ? { key: step.script.key } : {}) }
        : {
            sha256: sha256Hex(
              Buffer.from('inline' in step.script ? step.script.inline : '', 'utf8')
            ),
          },
      modules: items.filter((i) => i.role === 'module'),
      variables: {
        commitment: { algorithm: 'HMAC-SHA256', keyId: committer.keyId, value: varCommitment },
        names: vars ? Object.keys(vars.raw).sort() : [],
        sensitiveNames: vars ? [...vars.sensitiveNames].sort() : [],
      },
      substitution: { engine: ENGINE, verbatim: report?.verbatim === true },
      bootstrapper: { syntax: step.syntax, engine: ENGINE },
      finalScript: finalDigest
        ? { algorithm: 'HMAC-SHA256', keyId: committer.keyId, value: finalDigest }
        : null,
      worker: attestor.worker,
      run: {
        status: result.status,
        exitCode: result.exitCode,
        ...(result.error ? { error: result.error } : {}),
        queuedAt: result.timings.queuedAt,
        startedAt: result.timings.startedAt,
        finishedAt: result.timings.finishedAt,
        outputs: { commitment: outputs.toString('hex'), artifacts },
      },
    },
  };
}

/** Signs and stores `attestation.json` beside result.json. */
export async function storeAttestation(
  attestor: Attestor,
  store: { put(key: string, body: string, contentType?: string): Promise<void> },
  prefix: string,
  facts: RunFacts
): Promise<Envelope> {
  const envelope = await signStatement(await buildStatement(facts, attestor), attestor.signer);
  await store.put(attestationKey(prefix), JSON.stringify(envelope, null, 2), 'application/json');
  return envelope;
}
