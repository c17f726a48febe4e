// The worker's integrity configuration (part 4's handler calls integrityFromConfig once per
// cold start). The default is Unrestricted, as Octopus; steps may tighten it, never loosen it.
//
//   TIDEPOOL_INTEGRITY_POLICY        Unrestricted | RemoteSigned | AllSigned | Restricted
//   TIDEPOOL_INTEGRITY_MODE          Audit | Enforce (default Enforce once a policy is set)
//   TIDEPOOL_TRUST_STORE             a trust-store.json path, or an input-store key when
//                                    `readObject` is given (e.g. an S3 object); an absolute
//                                    path is always a file (one packaged with the function)
//   TIDEPOOL_TRUST_STORE_DIGEST      its pinned SHA-256 (required for a store object)

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createIntegrityCheck, type IntegrityCheck } from './check';
import {
  ENFORCEMENTS,
  enforcementFor,
  parseEnforcement,
  parsePolicy,
  POLICIES,
  unknownValueMessage,
} from './policy';
import { parseTrustStore, TrustStoreError, type TrustStore } from './trust-store';

export interface IntegrityFromConfigOptions {
  /** Reads the trust store object (S3) instead of a local file. */
  readObject?: (key: string) => Promise<Buffer | undefined>;
}

export async function integrityFromConfig(
  env: Record<string, string | undefined>,
  options: IntegrityFromConfigOptions = {}
): Promise<{ check: IntegrityCheck; trustStore?: TrustStore }> {
  const rawPolicy = env.TIDEPOOL_INTEGRITY_POLICY?.trim();
  const policy = rawPolicy ? parsePolicy(rawPolicy) : 'Unrestricted';
  if (!policy) {
    throw new TrustStoreError(
      unknownValueMessage('TIDEPOOL_INTEGRITY_POLICY', POLICIES, rawPolicy ?? '')
    );
  }
  const rawMode = env.TIDEPOOL_INTEGRITY_MODE?.trim();
  const mode = rawMode ? parseEnforcement(rawMode) : undefined;
  if (rawMode && !mode) {
    throw new TrustStoreError(
      unknownValueMessage('TIDEPOOL_INTEGRITY_MODE', ENFORCEMENTS, rawMode)
    );
  }
  const enforcement = enforcementFor(Boolean(rawPolicy), mode);
  let trustStore: TrustStore | undefined;
  const location = env.TIDEPOOL_TRUST_STORE?.trim();
  const pinned = env.TIDEPOOL_TRUST_STORE_DIGEST?.trim() || undefined;
  if (location) {
    let bytes: Buffer | undefined;
    if (options.readObject && !path.isAbsolute(location)) {
      if (!pinned)
        throw new TrustStoreError(
          'a trust store read from the object store needs TIDEPOOL_TRUST_STORE_DIGEST'
        );
      bytes = await options.readObject(location);
    } else {
      bytes = await fs.readFile(location).catch(() => undefined);
    }
    if (!bytes) throw new TrustStoreError(`trust store '${location}' not found`);
    trustStore = parseTrustStore(bytes, pinned);
  }
  return {
    check: createIntegrityCheck({
      policy,
      enforcement,
      source: 'worker',
      ...(trustStore ? { trustStore } : {}),
    }),
    ...(trustStore ? { trustStore } : {}),
  };
}
