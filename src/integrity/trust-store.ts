// The trust store: X.509 roots for Authenticode, allowed_signers for SSHSIG, accepted SSHSIG
// namespaces and digest algorithms. Versioned; its digest goes into every attestation.
// A store read from a file or an S3 object can be pinned: its SHA-256 must match.

import { createHash } from 'node:crypto';
import { DEFAULT_DIGESTS } from './authenticode';
import { canonicalJson } from './jcs';
import { DEFAULT_NAMESPACES, parseAllowedSigners, type AllowedSigner } from './sshsig';
import { certFromPem, type Cert } from './x509';

/** The JSON form (trust-store.json). */
export interface TrustStoreDocument {
  version: string;
  /** PEM certificates of trusted roots (Authenticode signers and timestamping authorities). */
  roots: string[];
  /** OpenSSH allowed_signers text. */
  allowedSigners?: string;
  /** Accepted SSHSIG namespaces; default file and tidepool-script. */
  namespaces?: string[];
  /** Accepted Authenticode digest algorithms; default sha256, sha384, sha512. */
  digests?: string[];
}

export interface TrustStore {
  version: string;
  roots: Cert[];
  allowedSigners: AllowedSigner[];
  namespaces: string[];
  digests: string[];
  /** `sha256:<hex>`: of the file's bytes when read from one, else of the canonical document. */
  digest: string;
}

export class TrustStoreError extends Error {
  override readonly name = 'TrustStoreError';
}

const ALLOWED_DIGESTS = new Set(['sha256', 'sha384', 'sha512', 'sha1', 'md5']);

export function trustStoreFromDocument(doc: TrustStoreDocument, digest?: string): TrustStore {
  if (
    typeof doc !== 'object' ||
    doc === null ||
    typeof doc.version !== 'string' ||
    !Array.isArray(doc.roots)
  ) {
    throw new TrustStoreError(
      'a trust store needs a string "version" and a "roots" array of PEM certificates'
    );
  }
  const roots = doc.roots.flatMap((pem, i) => {
    const certs = certFromPem(pem);
    if (certs.length === 0)
      throw new TrustStoreError(`trust store root ${i} is not a PEM certificate`);
    return certs;
  });
  let allowedSigners: AllowedSigner[];
  try {
    allowedSigners = parseAllowedSigners(doc.allowedSigners ?? '');
  } catch (error) {
    throw new TrustStoreError((error as Error).message);
  }
  const digests = doc.digests ?? DEFAULT_DIGESTS;
  for (const d of digests)
    if (!ALLOWED_DIGESTS.has(d)) throw new TrustStoreError(`unknown digest algorithm '${d}'`);
  return {
    version: doc.version,
    roots,
    allowedSigners,
    namespaces: doc.namespaces ?? DEFAULT_NAMESPACES,
    digests,
    digest: digest ?? 'sha256:' + createHash('sha256').update(canonicalJson(doc)).digest('hex'),
  };
}

/** Reads trust-store.json bytes; with `pinned` (`sha256:<hex>` or hex) the bytes must match. */
export function parseTrustStore(bytes: Buffer, pinned?: string): TrustStore {
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  if (pinned !== undefined) {
    const want = pinned.startsWith('sha256:')
      ? pinned.toLowerCase()
      : `sha256:${pinned.toLowerCase()}`;
    if (want !== digest) {
      throw new TrustStoreError(`trust store digest ${digest} does not match the pinned ${want}`);
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new TrustStoreError(`trust store is not valid JSON: ${(error as Error).message}`);
  }
  return trustStoreFromDocument(doc as TrustStoreDocument, digest);
}
