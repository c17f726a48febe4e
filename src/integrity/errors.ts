// Why a signature is refused. Every refusal names one of these codes (docs/integrity.md,
// "Every refusal names its reason"); a result's signature report carries it as `code`.

/** A certificate chain's fault, as `validateChain` finds it. */
export type CertCode =
  | 'malformed'
  | 'unsupported-extension'
  | 'cert-expired'
  | 'wrong-eku'
  | 'wrong-key-usage'
  | 'untrusted-root'
  | 'not-a-ca'
  | 'chain-too-long';

export type RejectCode =
  | CertCode
  // The file and its signature block or armour.
  | 'bad-encoding'
  | 'ambiguous-encoding'
  | 'malformed-block'
  | 'content-after-block'
  | 'malformed-asn1'
  | 'ambiguous-asn1'
  | 'malformed-signature'
  | 'unsupported-algorithm'
  | 'wrong-sip'
  // What the signature says.
  | 'hash-mismatch'
  | 'bad-signature'
  | 'bad-timestamp'
  // Who signed, and for what (SSH signatures).
  | 'untrusted-signer'
  | 'wrong-principal'
  | 'wrong-namespace'
  // The object changed between the read that was verified and the read that runs.
  | 'changed';

/** The certificate that made a signature, when it could be read. */
export interface SignerIdentity {
  subject: string;
  commonName: string;
  issuer: string;
  /** SHA-256 of the leaf certificate's DER, lowercase hex. */
  fingerprint: string;
  serialNumber: string;
}

/**
 * Thrown inside a verifier where it finds a fault; the verifier returns it as
 * `{ status: 'invalid', code, reason }`, so callers never see it thrown.
 */
export class SignatureRejected extends Error {
  override readonly name = 'SignatureRejected';
  constructor(
    readonly code: RejectCode,
    message: string,
    readonly signer?: SignerIdentity
  ) {
    super(message);
  }
}

/** What a verifier answers for what it threw: its refusal, or `malformed-signature` otherwise. */
export function invalidFrom(
  error: unknown,
  unreadable: string
): { status: 'invalid'; code: RejectCode; reason: string; signer?: SignerIdentity } {
  if (error instanceof SignatureRejected) {
    return {
      status: 'invalid',
      code: error.code,
      reason: error.message,
      ...(error.signer ? { signer: error.signer } : {}),
    };
  }
  return {
    status: 'invalid',
    code: 'malformed-signature',
    reason: `${unreadable}: ${(error as Error).message}`,
  };
}
