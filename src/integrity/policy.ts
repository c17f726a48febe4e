// Execution policy decisions, as pure functions. PowerShell's policy names, grounded on where
// code comes from: inline text in the queue message is local (the queue's access policy is
// the trust boundary); anything fetched (input store/S3, package, template, file path) is remote.

export const POLICIES = ['Unrestricted', 'RemoteSigned', 'AllSigned', 'Restricted'] as const;
export type PolicyName = (typeof POLICIES)[number];
export const ENFORCEMENTS = ['Audit', 'Enforce'] as const;
export type Enforcement = (typeof ENFORCEMENTS)[number];
export type Locality = 'local' | 'remote';
export type Requirement = 'none' | 'signature' | 'deny';
export type SignatureStatus = 'valid' | 'invalid' | 'absent' | 'not-checked';

export function isPolicy(value: unknown): value is PolicyName {
  return typeof value === 'string' && (POLICIES as readonly string[]).includes(value);
}

/** Case-insensitive lookup of a policy name, spaces around allowed; undefined when unknown. */
export function parsePolicy(text: string): PolicyName | undefined {
  return POLICIES.find((p) => p.toLowerCase() === text.trim().toLowerCase());
}

/** Case-insensitive lookup of Audit or Enforce, spaces around allowed; undefined when unknown. */
export function parseEnforcement(text: string): Enforcement | undefined {
  return ENFORCEMENTS.find((e) => e.toLowerCase() === text.trim().toLowerCase());
}

/** What a setting (an environment variable, an option) that names no known value is told. */
export function unknownValueMessage(
  setting: string,
  choices: readonly string[],
  got: string
): string {
  return `${setting} must be one of ${choices.join(', ')}, got '${got}'`;
}

/** A named policy is enforced unless Audit is asked for; with no policy named, nothing is. */
export function enforcementFor(policyNamed: boolean, asked?: Enforcement): Enforcement {
  return asked ?? (policyNamed ? 'Enforce' : 'Audit');
}

export function strictest(a: PolicyName, b: PolicyName): PolicyName {
  return POLICIES.indexOf(a) >= POLICIES.indexOf(b) ? a : b;
}

/** The policy table (docs/integrity.md). */
export function requirement(policy: PolicyName, locality: Locality): Requirement {
  switch (policy) {
    case 'Unrestricted':
      return 'none';
    case 'RemoteSigned':
      return locality === 'remote' ? 'signature' : 'none';
    case 'AllSigned':
      return 'signature';
    case 'Restricted':
      return 'deny';
  }
}

export interface PolicyLayer {
  policy: PolicyName;
  enforcement: Enforcement;
  /** Who set it: the worker's minimum, the step, or the command line. */
  source: 'worker' | 'step' | 'cli';
}

export interface ItemStatus {
  /** e.g. "script" or "module Greeting". */
  name: string;
  locality: Locality;
  status: SignatureStatus;
  /** Why the signature is not valid, when it is not. */
  reason?: string;
}

export interface Decision {
  /** allowed: nothing objects; audit: an Audit layer would have refused; denied: refused. */
  decision: 'allowed' | 'audit' | 'denied';
  /** The strictest policy in force. */
  policy: PolicyName;
  /** Enforce when any layer that objects enforces, else the strictest layer's setting. */
  enforcement: Enforcement;
  reasons: string[];
}

/** Why one item fails one requirement, or undefined when it passes. */
export function objection(
  req: Requirement,
  item: ItemStatus,
  policy: PolicyName
): string | undefined {
  if (req === 'none') return undefined;
  if (req === 'deny') return `${item.name}: policy ${policy} runs no scripts`;
  if (item.status === 'valid') return undefined;
  const what =
    item.locality === 'remote' ? 'remote code (a file or fetched object)' : 'local (inline) code';
  if (item.status === 'absent')
    return `${item.name}: policy ${policy} requires a signature on ${what}, and it is not signed`;
  return `${item.name}: policy ${policy} requires a valid signature on ${what}: ${item.reason ?? 'the signature is not valid'}`;
}

/** Combines every layer: a layer may only tighten. Enforce layers refuse; Audit layers record. */
export function decide(layers: PolicyLayer[], items: ItemStatus[]): Decision {
  const effective = layers.reduce<PolicyName>((p, l) => strictest(p, l.policy), 'Unrestricted');
  const enforcing: string[] = [];
  const auditing: string[] = [];
  for (const layer of layers) {
    for (const item of items) {
      const why = objection(requirement(layer.policy, item.locality), item, layer.policy);
      if (!why) continue;
      const list = layer.enforcement === 'Enforce' ? enforcing : auditing;
      if (!list.includes(why)) list.push(why);
    }
  }
  const strictLayer = layers.find((l) => l.policy === effective);
  if (enforcing.length > 0)
    return { decision: 'denied', policy: effective, enforcement: 'Enforce', reasons: enforcing };
  return {
    decision: auditing.length > 0 ? 'audit' : 'allowed',
    policy: effective,
    enforcement: strictLayer?.enforcement ?? 'Audit',
    reasons: auditing,
  };
}

/** Whether any layer needs a signature for code of this locality. */
export function needsSignature(layers: PolicyLayer[], locality: Locality): boolean {
  return layers.some((l) => requirement(l.policy, locality) === 'signature');
}
