// Certificate chain checks for Authenticode signers and timestamping authorities.
// Parsing of extensions uses pkijs; every signature and fingerprint uses node:crypto.

import { X509Certificate } from 'node:crypto';
import type * as Pki from 'pkijs';
import { asn1js, pkijs } from './asn1';
import type { CertCode } from './errors';

export const EKU = {
  codeSigning: '1.3.6.1.5.5.7.3.3',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  any: '2.5.29.37.0',
} as const;

const KNOWN_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.37', // extKeyUsage
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

/** A certificate with both views: node:crypto for checks, pkijs for fields node does not expose. */
export interface Cert {
  x509: X509Certificate;
  pki: Pki.Certificate;
  der: Buffer;
}

export class CertError extends Error {
  constructor(
    readonly code: CertCode,
    message: string
  ) {
    super(message);
  }
}

export function certFromDer(der: Buffer): Cert {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || parsed.offset !== der.length) {
    throw new CertError('malformed', 'a certificate is not valid DER');
  }
  return {
    x509: new X509Certificate(der),
    pki: new pkijs.Certificate({ schema: parsed.result }),
    der,
  };
}

export function certFromPem(pem: string): Cert[] {
  const out: Cert[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    out.push(certFromDer(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

export function commonName(cert: Cert): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.x509.subject);
  return cn?.[1] ?? cert.x509.subject;
}

export function fingerprint(cert: Cert): string {
  return cert.x509.fingerprint256.replace(/:/g, '').toLowerCase();
}

function keyUsageBits(cert: Cert): number | undefined {
  const ext = cert.pki.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (!ext) return undefined;
  const inner = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (!(inner.result instanceof asn1js.BitString)) return 0;
  const bytes = inner.result.valueBlock.valueHexView;
  // bit 0 (digitalSignature) is the high bit of the first byte; keyCertSign is bit 5.
  return ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
}
const KU_DIGITAL_SIGNATURE = 0x8000;
const KU_KEY_CERT_SIGN = 0x0400;

function ekus(cert: Cert): string[] | undefined {
  return cert.x509.keyUsage ?? undefined; // node: the extended key usage OIDs
}

function checkCommon(cert: Cert, at: Date, role: string): void {
  for (const ext of cert.pki.extensions ?? []) {
    if (ext.critical && !KNOWN_EXTENSIONS.has(ext.extnID)) {
      throw new CertError(
        'unsupported-extension',
        `${role} '${commonName(cert)}' has an unsupported critical extension ${ext.extnID}`
      );
    }
  }
  const from = new Date(cert.x509.validFrom);
  const to = new Date(cert.x509.validTo);
  if (at < from || at > to) {
    throw new CertError(
      'cert-expired',
      `${role} '${commonName(cert)}' is not valid at ${at.toISOString()} (valid ${from.toISOString()} to ${to.toISOString()})`
    );
  }
}

/**
 * Builds and checks the chain from `leaf` to one of `roots`, using `pool` for intermediates.
 * Checks each certificate's signature, validity at `at`, CA flags and key usage, and that the
 * leaf carries `eku` (nested EKUs on intermediates must allow it too). Returns leaf → root.
 */
export function validateChain(
  leaf: Cert,
  pool: Cert[],
  roots: Cert[],
  at: Date,
  eku: string,
  role: string
): Cert[] {
  const leafEku = ekus(leaf);
  if (!leafEku || !leafEku.includes(eku)) {
    throw new CertError(
      'wrong-eku',
      `${role} '${commonName(leaf)}' does not have the ${eku === EKU.codeSigning ? 'code-signing' : 'time-stamping'} extended key usage (${eku})${leafEku ? `; it has ${leafEku.join(', ')}` : ''}`
    );
  }
  const ku = keyUsageBits(leaf);
  if (ku !== undefined && (ku & KU_DIGITAL_SIGNATURE) === 0) {
    throw new CertError(
      'wrong-key-usage',
      `${role} '${commonName(leaf)}' may not make digital signatures`
    );
  }
  const rootPrints = new Set(roots.map(fingerprint));
  const chain: Cert[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 8; depth++) {
    checkCommon(current, at, depth === 0 ? role : 'CA certificate');
    if (rootPrints.has(fingerprint(current))) return chain;
    const candidates = [...roots, ...pool].filter(
      (c) => fingerprint(c) !== fingerprint(current) && current.x509.checkIssued(c.x509)
    );
    const issuer = candidates.find((c) => current.x509.verify(c.x509.publicKey));
    if (!issuer) {
      const selfSigned = current.x509.checkIssued(current.x509);
      throw new CertError(
        'untrusted-root',
        selfSigned
          ? `${role} chain ends at '${commonName(current)}', which is not a trusted root`
          : `${role} chain: no trusted issuer found for '${commonName(current)}' (issuer '${current.x509.issuer.replace(/\n/g, ', ')}')`
      );
    }
    if (!issuer.x509.ca) {
      throw new CertError(
        'not-a-ca',
        `'${commonName(issuer)}' issued a certificate but is not a CA`
      );
    }
    const issuerKu = keyUsageBits(issuer);
    if (issuerKu !== undefined && (issuerKu & KU_KEY_CERT_SIGN) === 0) {
      throw new CertError(
        'not-a-ca',
        `'${commonName(issuer)}' may not sign certificates (key usage)`
      );
    }
    const issuerEku = ekus(issuer);
    if (issuerEku && !issuerEku.includes(eku) && !issuerEku.includes(EKU.any)) {
      throw new CertError(
        'wrong-eku',
        `CA '${commonName(issuer)}' does not allow extended key usage ${eku}`
      );
    }
    chain.push(issuer);
    current = issuer;
  }
  throw new CertError('chain-too-long', `${role} chain is longer than 8 certificates`);
}
