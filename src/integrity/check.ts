// The integrity stage: verify the script template and its modules before substitution, and
// decide by policy whether the step may run. See docs/integrity.md.

import { createHash } from 'node:crypto';
import { signatureKey } from '../bucket/layout';
import type { Syntax } from '../step/types';
import { BEGIN_MARKER, verifyAuthenticode } from './authenticode';
import type { RejectCode } from './errors';
import {
  decide,
  enforcementFor,
  needsSignature,
  type Decision,
  type Enforcement,
  type ItemStatus,
  type Locality,
  type PolicyLayer,
  type PolicyName,
  type SignatureStatus,
} from './policy';
import { verifySshsig } from './sshsig';
import type { TrustStore } from './trust-store';

/** Where code came from: inline (in the message) is local; the rest is remote. */
export type CodeOrigin = 'inline' | 'store' | 'file' | 'variable';

export interface IntegrityItem {
  text: string;
  origin: CodeOrigin;
  /** Input-store key, for store objects. */
  key?: string;
  /** The exact bytes as signed, when known (files, store objects); else the UTF-8 of `text`. */
  bytes?: Buffer;
  /** Detached SSHSIG text for bash, when the caller already has it. */
  signature?: string;
}

export interface IntegritySubject {
  syntax: Syntax;
  script: IntegrityItem;
  modules: Array<IntegrityItem & { name: string; syntax?: Syntax }>;
  /** The step's own settings: may tighten the worker's policy, never loosen it. */
  requested?: { policy?: PolicyName; mode?: Enforcement; verbatim?: boolean };
  /** Raw bytes of an input-store object (script bytes, `<key>.sig`); undefined when missing. */
  read?: (key: string) => Promise<Buffer | undefined>;
}

export interface SignatureReport {
  format: 'authenticode' | 'sshsig' | 'none';
  status: SignatureStatus;
  code?: RejectCode;
  reason?: string;
  /** Certificate subject and fingerprint, or SSH principal and key fingerprint. */
  signer?: { name: string; fingerprint: string; issuer?: string };
  timestamp?: string;
}

export interface ItemReport {
  role: 'script' | 'module';
  name: string;
  origin: CodeOrigin;
  syntax: Syntax;
  /** SHA-256 (hex) of the bytes verified (the template, before substitution). */
  sha256: string;
  signature: SignatureReport;
}

export interface IntegrityReport extends Decision {
  layers: PolicyLayer[];
  trustStore?: { version: string; digest: string };
  items: ItemReport[];
  verbatim: boolean;
}

export type IntegrityVerdict = (
  | { allowed: true; policy: string; notes: string[] }
  | { allowed: false; policy: string; reason: string }
) & { report?: IntegrityReport };

export type IntegrityCheck = (subject: IntegritySubject) => Promise<IntegrityVerdict>;

export interface IntegrityConfig {
  /** The minimum policy (the worker's configuration, or the command line). */
  policy: PolicyName;
  enforcement: Enforcement;
  source?: PolicyLayer['source'];
  trustStore?: TrustStore;
  now?: () => Date;
}

export function localityOf(origin: CodeOrigin): Locality {
  return origin === 'inline' || origin === 'variable' ? 'local' : 'remote';
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sameText(bytes: Buffer, text: string): boolean {
  return bytes.toString('utf8').replace(/^\uFEFF/, '') === text.replace(/^\uFEFF/, '');
}

async function bytesOf(item: IntegrityItem, read: IntegritySubject['read']): Promise<Buffer> {
  if (item.bytes) {
    const utf16 =
      (item.bytes[0] === 0xff && item.bytes[1] === 0xfe) ||
      (item.bytes[0] === 0xfe && item.bytes[1] === 0xff);
    if (!utf16 && !sameText(item.bytes, item.text))
      throw new Error('the file changed between reads');
    return item.bytes;
  }
  if (item.origin === 'store' && item.key && read) {
    const bytes = await read(item.key);
    if (!bytes) throw new Error(`object '${item.key}' disappeared before it was verified`);
    // The text the pipeline renders must be the text of the bytes verified (BOM aside).
    if (!sameText(bytes, item.text)) {
      throw new Error(`object '${item.key}' changed between reads`);
    }
    return bytes;
  }
  return Buffer.from(item.text, 'utf8');
}

/** What a verifier needs to know about one item. */
interface ItemToVerify {
  item: IntegrityItem;
  bytes: Buffer;
  wantSignature: boolean;
  subject: IntegritySubject;
  store: TrustStore | undefined;
  now: Date;
}

/** A verifier's answer other than `valid`, as the report carries it. */
function notValid(
  format: SignatureReport['format'],
  r: { status: 'absent'; reason: string } | { status: 'invalid'; code: RejectCode; reason: string }
): SignatureReport {
  return {
    format,
    status: r.status,
    reason: r.reason,
    ...(r.status === 'invalid' ? { code: r.code } : {}),
  };
}

// async only to share the verifiers' signature; Authenticode needs nothing read.
async function authenticodeReport(v: ItemToVerify): Promise<SignatureReport> {
  // Embedded signatures cost nothing to find: verify them whenever present.
  if (!v.wantSignature && !v.item.text.includes(BEGIN_MARKER)) {
    return { format: 'authenticode', status: 'not-checked' };
  }
  const r = verifyAuthenticode(v.bytes, {
    roots: v.store?.roots ?? [],
    now: v.now,
    ...(v.store ? { digests: v.store.digests } : {}),
  });
  if (r.status !== 'valid') return notValid('authenticode', r);
  return {
    format: 'authenticode',
    status: 'valid',
    signer: {
      name: r.signer.subject,
      fingerprint: `sha256:${r.signer.fingerprint}`,
      issuer: r.signer.issuer,
    },
    ...(r.timestamp ? { timestamp: r.timestamp } : {}),
  };
}

async function sshsigReport(v: ItemToVerify): Promise<SignatureReport> {
  const { item, subject } = v;
  let armored = item.signature;
  if (
    armored === undefined &&
    v.wantSignature &&
    item.origin === 'store' &&
    item.key &&
    subject.read
  ) {
    armored = (await subject.read(signatureKey(item.key)))?.toString('utf8');
  }
  if (armored === undefined && !v.wantSignature) {
    return { format: 'sshsig', status: 'not-checked' };
  }
  const r = verifySshsig(v.bytes, armored, {
    allowedSigners: v.store?.allowedSigners ?? [],
    ...(v.store ? { namespaces: v.store.namespaces } : {}),
    now: v.now,
  });
  if (r.status !== 'valid') return notValid('sshsig', r);
  return {
    format: 'sshsig',
    status: 'valid',
    signer: { name: r.signer.principal, fingerprint: r.signer.fingerprint },
  };
}

/** Each syntax's signature format: Authenticode for PowerShell, SSH signatures for bash. */
const VERIFIERS: Record<Syntax, (v: ItemToVerify) => Promise<SignatureReport>> = {
  powershell: authenticodeReport,
  bash: sshsigReport,
};

async function verifyItem(
  item: IntegrityItem,
  syntax: Syntax,
  wantSignature: boolean,
  subject: IntegritySubject,
  config: IntegrityConfig
): Promise<{ sha256: string; signature: SignatureReport }> {
  let bytes: Buffer;
  try {
    bytes = await bytesOf(item, subject.read);
  } catch (error) {
    return {
      sha256: sha256(Buffer.from(item.text, 'utf8')),
      signature: {
        format: 'none',
        status: 'invalid',
        code: 'changed',
        reason: (error as Error).message,
      },
    };
  }
  const now = (config.now ?? (() => new Date()))();
  const signature = await VERIFIERS[syntax]({
    item,
    bytes,
    wantSignature,
    subject,
    store: config.trustStore,
    now,
  });
  return { sha256: sha256(bytes), signature };
}

/** The policy layers in force for a subject: the configured minimum, then the step's own. */
export function layersFor(
  config: IntegrityConfig,
  requested: IntegritySubject['requested']
): PolicyLayer[] {
  const layers: PolicyLayer[] = [
    { policy: config.policy, enforcement: config.enforcement, source: config.source ?? 'worker' },
  ];
  if (requested?.policy) {
    layers.push({
      policy: requested.policy,
      enforcement: enforcementFor(true, requested.mode),
      source: 'step',
    });
  } else if (requested?.mode === 'Enforce' && config.enforcement === 'Audit') {
    layers.push({ policy: config.policy, enforcement: 'Enforce', source: 'step' });
  }
  return layers;
}

/** The real integrity check: verifies signatures as the policy requires, then decides. */
export function createIntegrityCheck(config: IntegrityConfig): IntegrityCheck {
  return async (subject) => {
    const layers = layersFor(config, subject.requested);
    const entries: Array<{
      item: IntegrityItem;
      role: 'script' | 'module';
      name: string;
      syntax: Syntax;
    }> = [
      { item: subject.script, role: 'script', name: 'script', syntax: subject.syntax },
      ...subject.modules.map((m) => ({
        item: m,
        role: 'module' as const,
        name: `module ${m.name}`,
        syntax: m.syntax ?? subject.syntax,
      })),
    ];
    const items: ItemReport[] = [];
    const statuses: ItemStatus[] = [];
    for (const e of entries) {
      const locality = localityOf(e.item.origin);
      const checked = await verifyItem(
        e.item,
        e.syntax,
        needsSignature(layers, locality),
        subject,
        config
      );
      items.push({
        role: e.role,
        name: e.role === 'script' ? 'script' : e.name.slice(7),
        origin: e.item.origin,
        syntax: e.syntax,
        ...checked,
      });
      statuses.push({
        name: e.name,
        locality,
        status: checked.signature.status,
        ...(checked.signature.reason ? { reason: checked.signature.reason } : {}),
      });
    }
    const decision = decide(layers, statuses);
    const report: IntegrityReport = {
      ...decision,
      layers,
      ...(config.trustStore
        ? { trustStore: { version: config.trustStore.version, digest: config.trustStore.digest } }
        : {}),
      items,
      verbatim: subject.requested?.verbatim === true,
    };
    if (decision.decision === 'denied') {
      return {
        allowed: false,
        policy: decision.policy,
        reason: `Integrity policy refused the step: ${decision.reasons.join('; ')}`,
        report,
      };
    }
    return {
      allowed: true,
      policy: decision.policy,
      notes: decision.reasons.map((r) => `Audit (${decision.policy} would refuse): ${r}`),
      report,
    };
  };
}
