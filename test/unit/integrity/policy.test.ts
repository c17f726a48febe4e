import {
  decide,
  enforcementFor,
  parseEnforcement,
  parsePolicy,
  POLICIES,
  unknownValueMessage,
  requirement,
  strictest,
  type ItemStatus,
  type PolicyLayer,
} from '../../../src/integrity/policy';

const item = (
  status: ItemStatus['status'],
  locality: ItemStatus['locality'] = 'remote'
): ItemStatus => ({
  name: 'script',
  locality,
  status,
  ...(status === 'invalid' ? { reason: 'hash mismatch' } : {}),
});
const layer = (
  policy: PolicyLayer['policy'],
  enforcement: PolicyLayer['enforcement'] = 'Enforce',
  source: PolicyLayer['source'] = 'worker'
): PolicyLayer => ({
  policy,
  enforcement,
  source,
});

describe('policy table', () => {
  it.each([
    ['Unrestricted', 'local', 'none'],
    ['Unrestricted', 'remote', 'none'],
    ['RemoteSigned', 'local', 'none'],
    ['RemoteSigned', 'remote', 'signature'],
    ['AllSigned', 'local', 'signature'],
    ['AllSigned', 'remote', 'signature'],
    ['Restricted', 'local', 'deny'],
    ['Restricted', 'remote', 'deny'],
  ] as const)('%s × %s → %s', (policy, locality, want) => {
    expect(requirement(policy, locality)).toBe(want);
  });

  it.each([
    // policy, locality, signature, Enforce decision
    ['Unrestricted', 'remote', 'invalid', 'allowed'],
    ['RemoteSigned', 'local', 'absent', 'allowed'],
    ['RemoteSigned', 'remote', 'absent', 'denied'],
    ['RemoteSigned', 'remote', 'valid', 'allowed'],
    ['AllSigned', 'local', 'absent', 'denied'],
    ['AllSigned', 'local', 'invalid', 'denied'],
    ['AllSigned', 'remote', 'valid', 'allowed'],
    ['Restricted', 'local', 'valid', 'denied'],
  ] as const)(
    '%s, %s code, signature %s: Enforce → %s, Audit records instead',
    (policy, locality, status, want) => {
      expect(decide([layer(policy)], [item(status, locality)]).decision).toBe(want);
      expect(decide([layer(policy, 'Audit')], [item(status, locality)]).decision).toBe(
        want === 'denied' ? 'audit' : 'allowed'
      );
    }
  );

  it('gives a reason naming the item, the policy and the signature problem', () => {
    const d = decide([layer('AllSigned')], [item('invalid')]);
    expect(d.reasons).toEqual([
      'script: policy AllSigned requires a valid signature on remote code (a file or fetched object): hash mismatch',
    ]);
    expect(decide([layer('RemoteSigned')], [item('absent')]).reasons[0]).toMatch(/not signed/);
    expect(decide([layer('Restricted')], [item('valid')]).reasons[0]).toMatch(/runs no scripts/);
  });

  it('a step may tighten the worker minimum, never loosen it', () => {
    // worker AllSigned/Enforce, step asks for Unrestricted: still denied
    expect(
      decide(
        [layer('AllSigned'), layer('Unrestricted', 'Audit', 'step')],
        [item('absent', 'local')]
      )
    ).toMatchObject({
      decision: 'denied',
      policy: 'AllSigned',
    });
    // worker Unrestricted, step AllSigned/Enforce: denied
    expect(
      decide(
        [layer('Unrestricted', 'Audit'), layer('AllSigned', 'Enforce', 'step')],
        [item('absent', 'local')]
      ).decision
    ).toBe('denied');
    // worker RemoteSigned/Enforce, step AllSigned/Audit: local unsigned code only audited
    expect(
      decide(
        [layer('RemoteSigned'), layer('AllSigned', 'Audit', 'step')],
        [item('absent', 'local')]
      )
    ).toMatchObject({
      decision: 'audit',
      policy: 'AllSigned',
    });
  });

  it('names and orders policies', () => {
    expect(parsePolicy('allsigned')).toBe('AllSigned');
    expect(parsePolicy('Sometimes')).toBeUndefined();
    expect(strictest('RemoteSigned', 'AllSigned')).toBe('AllSigned');
    expect(strictest('Restricted', 'Unrestricted')).toBe('Restricted');
  });

  it('reads names in any case with spaces around, as every entry (environment, options) does', () => {
    expect(parsePolicy(' remotesigned ')).toBe('RemoteSigned');
    expect(parseEnforcement(' AUDIT')).toBe('Audit');
    expect(parseEnforcement('enforce')).toBe('Enforce');
    expect(parseEnforcement('Sometimes')).toBeUndefined();
    expect(unknownValueMessage('--policy', POLICIES, 'x')).toBe(
      "--policy must be one of Unrestricted, RemoteSigned, AllSigned, Restricted, got 'x'"
    );
  });

  it('enforces a named policy unless Audit is asked for', () => {
    expect(enforcementFor(true)).toBe('Enforce');
    expect(enforcementFor(true, 'Audit')).toBe('Audit');
    expect(enforcementFor(false)).toBe('Audit');
    expect(enforcementFor(false, 'Enforce')).toBe('Enforce');
  });
});
