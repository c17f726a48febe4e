// `tidepool run` options for script integrity (part 6): policy, trust roots, allowed signers,
// attestation key. A script or module file named on the command line counts as remote code;
// a bash file's detached signature is read from `<file>.sig` beside it.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalSigner, type Attestor } from '../integrity/attestation';
import {
  createIntegrityCheck,
  type IntegrityCheck,
  type IntegritySubject,
} from '../integrity/check';
import {
  enforcementFor,
  parsePolicy,
  POLICIES,
  unknownValueMessage,
  type Enforcement,
  type PolicyName,
} from '../integrity/policy';
import {
  parseTrustStore,
  trustStoreFromDocument,
  TrustStoreError,
  type TrustStore,
} from '../integrity/trust-store';
import type { StepMessage } from '../step/types';
import { readNamedFile, splitPair, UsageError } from './args';

export const INTEGRITY_HELP = `
Script integrity (docs/integrity.md):
  --policy <name>            Unrestricted | RemoteSigned | AllSigned | Restricted. The script
                             and module files named here count as remote code
  --enforce | --audit        Refuse the step (the default once --policy is given), or run it
                             and record what the policy would have refused
  --trust-root <cert.pem>    A trusted root for Authenticode (repeatable)
  --allowed-signers <file>   OpenSSH allowed_signers for bash scripts; a script's signature
                             is read from <file>.sig beside it
  --namespace <ns>           An accepted SSH signature namespace (repeatable; default file
                             and tidepool-script)
  --trust-store <file.json>  A versioned trust store instead of the three options above
  --trust-store-digest <sha256>  Refuse the trust store unless its SHA-256 matches
  --verbatim                 Run the script byte-identical to what was signed: no #{...}
  --attestation-key <key.pem>  ECDSA P-256 key that signs attestation.json (created when
                             missing); default: a throwaway key, public half in the bundle
`;

/** The options trustStoreOptions reads: `tidepool run` and `tidepool verify-signature` take them. */
export const TRUST_OPTIONS = {
  'trust-root': { type: 'string', multiple: true },
  'allowed-signers': { type: 'string' },
  namespace: { type: 'string', multiple: true },
  'trust-store': { type: 'string' },
  'trust-store-digest': { type: 'string' },
} as const;

export const INTEGRITY_OPTIONS = {
  policy: { type: 'string' },
  enforce: { type: 'boolean' },
  audit: { type: 'boolean' },
  ...TRUST_OPTIONS,
  verbatim: { type: 'boolean' },
  'attestation-key': { type: 'string' },
} as const;

export interface IntegrityValues {
  policy?: string | undefined;
  enforce?: boolean | undefined;
  audit?: boolean | undefined;
  'trust-root'?: string[] | undefined;
  'allowed-signers'?: string | undefined;
  namespace?: string[] | undefined;
  'trust-store'?: string | undefined;
  'trust-store-digest'?: string | undefined;
  verbatim?: boolean | undefined;
  'attestation-key'?: string | undefined;
  module?: string[] | undefined;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function policyOptions(values: IntegrityValues): {
  policy: PolicyName;
  enforcement: Enforcement;
} {
  if (values.enforce && values.audit) throw new UsageError('give --enforce or --audit, not both');
  let policy: PolicyName = 'Unrestricted';
  if (values.policy !== undefined) {
    const parsed = parsePolicy(values.policy);
    if (!parsed) throw new UsageError(unknownValueMessage('--policy', POLICIES, values.policy));
    policy = parsed;
  }
  const asked = values.audit ? 'Audit' : values.enforce ? 'Enforce' : undefined;
  const enforcement = enforcementFor(values.policy !== undefined, asked);
  return { policy, enforcement };
}

/** The trust store from --trust-store, or assembled from --trust-root/--allowed-signers/--namespace. */
export async function trustStoreOptions(values: IntegrityValues): Promise<TrustStore | undefined> {
  try {
    if (values['trust-store'] !== undefined) {
      if (
        values['trust-root']?.length ||
        values['allowed-signers'] !== undefined ||
        values.namespace?.length
      ) {
        throw new UsageError(
          '--trust-store replaces --trust-root, --allowed-signers and --namespace'
        );
      }
      return parseTrustStore(
        await readNamedFile(values['trust-store'], 'trust store', '--trust-store'),
        values['trust-store-digest']
      );
    }
    if (values['trust-store-digest'] !== undefined)
      throw new UsageError('--trust-store-digest needs --trust-store');
    const roots = await Promise.all(
      (values['trust-root'] ?? []).map(async (f) =>
        (await readNamedFile(f, 'trust root', '--trust-root')).toString('utf8')
      )
    );
    const signers =
      values['allowed-signers'] !== undefined
        ? (
            await readNamedFile(values['allowed-signers'], 'allowed signers', '--allowed-signers')
          ).toString('utf8')
        : undefined;
    if (roots.length === 0 && signers === undefined && !values.namespace?.length) return undefined;
    return trustStoreFromDocument({
      version: 'command-line',
      roots,
      ...(signers !== undefined ? { allowedSigners: signers } : {}),
      ...(values.namespace?.length ? { namespaces: values.namespace } : {}),
    });
  } catch (error) {
    if (error instanceof TrustStoreError) throw new UsageError(error.message);
    throw error;
  }
}

async function attestorFor(values: IntegrityValues, outDir: string): Promise<Attestor> {
  const keyFile = values['attestation-key'];
  let signer: LocalSigner;
  if (keyFile !== undefined) {
    const pem = await readIfExists(keyFile);
    if (pem !== undefined) {
      try {
        signer = LocalSigner.fromPem(pem);
      } catch (error) {
        throw new UsageError(`--attestation-key '${keyFile}': ${(error as Error).message}`);
      }
    } else {
      signer = LocalSigner.generate();
      await fs.mkdir(path.dirname(path.resolve(keyFile)), { recursive: true });
      await fs.writeFile(keyFile, signer.privateKeyPem(), { mode: 0o600, flag: 'wx' });
    }
  } else {
    signer = LocalSigner.generate();
  }
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'attestation.pub.pem'), await signer.publicKeyPem());
  return {
    signer,
    committer: signer.committer(),
    worker: { kind: 'tidepool-cli', host: os.hostname(), user: os.userInfo().username },
  };
}

/**
 * Integrity and attestation for `tidepool run`: the script (and --module files) are marked
 * as remote file code with their exact bytes and any `<file>.sig`; --verbatim goes into the
 * message.
 */
export async function integrityForRun(
  values: IntegrityValues,
  file: string,
  message: StepMessage,
  outDir: string
): Promise<{ integrity: IntegrityCheck; attestor: Attestor }> {
  const { policy, enforcement } = policyOptions(values);
  const trustStore = await trustStoreOptions(values);
  if (values.verbatim) message.integrity = { ...message.integrity, verbatim: true };
  const check = createIntegrityCheck({
    policy,
    enforcement,
    source: 'cli',
    ...(trustStore ? { trustStore } : {}),
  });
  const isTemplate = path.extname(file).toLowerCase() === '.json';
  const scriptBytes = isTemplate ? undefined : await readNamedFile(file, 'script');
  const scriptSig = isTemplate ? undefined : await readIfExists(`${file}.sig`);
  const moduleFiles = new Map<string, string>();
  for (const pair of values.module ?? []) {
    const [name, moduleFile] = splitPair(pair, '--module');
    moduleFiles.set(name, moduleFile);
  }
  const moduleExtras = new Map<string, { bytes: Buffer; signature?: string }>();
  for (const [name, moduleFile] of moduleFiles) {
    const sig = await readIfExists(`${moduleFile}.sig`);
    moduleExtras.set(name, {
      bytes: await readNamedFile(moduleFile, 'module', '--module'),
      ...(sig !== undefined ? { signature: sig } : {}),
    });
  }
  const integrity: IntegrityCheck = (subject: IntegritySubject) =>
    check({
      ...subject,
      script: {
        ...subject.script,
        origin: 'file',
        ...(scriptBytes ? { bytes: scriptBytes } : {}),
        ...(scriptSig !== undefined ? { signature: scriptSig } : {}),
      },
      modules: subject.modules.map((m) => {
        const extra = moduleExtras.get(m.name);
        return extra ? { ...m, origin: 'file' as const, ...extra } : m;
      }),
    });
  return { integrity, attestor: await attestorFor(values, outDir) };
}
