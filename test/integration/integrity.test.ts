import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { verifyCommand, verifySignatureCommand } from '../../src/cli/commands/verify';
import type { CliIo } from '../../src/cli/io';
import { LocalSigner, type Envelope, type Statement } from '../../src/integrity/attestation';
import { createIntegrityCheck } from '../../src/integrity/check';
import { requirement, type Enforcement, type PolicyName } from '../../src/integrity/policy';
import { trustStoreFromDocument } from '../../src/integrity/trust-store';
import type { StepResult } from '../../src/step/result';
import { tempDir, tidepool } from '../helpers/cli';
import { harness } from '../helpers/pipeline';
import { fixtures } from '../unit/integrity/fixtures';

const fx = (name: string) => path.join(fixtures(), name);
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function signBash(file: string, namespace = 'tidepool-script'): void {
  execFileSync('ssh-keygen', ['-Y', 'sign', '-q', '-f', fx('ssh-ed25519'), '-n', namespace, file]);
}

async function capture(
  run: (io: CliIo) => Promise<number>
): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (out += t),
    readStdin: async () => '',
    isTty: false,
  };
  return { code: await run(io), out };
}

async function runCli(args: string[]): Promise<{ code: number; result: StepResult; out: string }> {
  const out = tempDir();
  const r = await tidepool(['run', ...args, '--json', '--out', out]);
  if (!r.stdout) throw new Error(r.stderr);
  return { code: r.code, result: JSON.parse(r.stdout) as StepResult, out };
}

function statementOf(outDir: string): Statement {
  const env = JSON.parse(readFileSync(path.join(outDir, 'attestation.json'), 'utf8')) as Envelope;
  return JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as Statement;
}

describe('tidepool run with a policy', () => {
  it('AllSigned + Enforce refuses an unsigned or tampered script: stored rejected, nothing runs', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'ran');
    const script = path.join(dir, 'touch.sh');
    writeFileSync(script, `touch ${marker}\n`);
    const trust = ['--allowed-signers', fx('allowed_signers')];

    const unsigned = await runCli([script, '--policy', 'AllSigned', ...trust]);
    expect(unsigned.code).toBe(126);
    expect(unsigned.result).toMatchObject({ status: 'rejected', error: { code: 'integrity' } });
    expect(unsigned.result.error?.message).toMatch(
      /AllSigned requires a signature on remote code.*not signed/
    );
    expect(JSON.parse(readFileSync(path.join(unsigned.out, 'result.json'), 'utf8')).status).toBe(
      'rejected'
    );

    signBash(script);
    writeFileSync(script, `touch ${marker}; echo extra\n`);
    const tampered = await runCli([script, '--policy', 'AllSigned', ...trust]);
    expect(tampered.result.status).toBe('rejected');
    expect(tampered.result.error?.message).toMatch(/changed after it was signed/);
    expect(statementOf(tampered.out).predicate.policy).toMatchObject({
      decision: 'denied',
      name: 'AllSigned',
    });

    const ps = await runCli([
      fx('hello-crlf.appended.ps1'),
      '--policy',
      'AllSigned',
      '--trust-root',
      fx('root.pem'),
    ]);
    expect(ps.result.status).toBe('rejected');
    expect(ps.result.error?.message).toMatch(/follows '# SIG # End signature block'/);
    expect(existsSync(marker)).toBe(false);
  });

  it('Audit runs the unsigned script and records what AllSigned would have refused', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'hi.sh');
    writeFileSync(script, 'echo audited\n');
    const run = await runCli([script, '--policy', 'AllSigned', '--audit']);
    expect(run.result.status).toBe('succeeded');
    const { predicate } = statementOf(run.out);
    expect(predicate.policy).toMatchObject({
      name: 'AllSigned',
      enforcement: 'Audit',
      decision: 'audit',
    });
    expect(predicate.policy.reasons[0]).toMatch(/not signed/);
    // The step's own log says so too, as a warning.
    const warning = run.result.log.find(
      (l) => l.level === 'warning' && /AllSigned would refuse/.test(l.text)
    );
    expect(warning?.stream).toBe('system');
  });

  it('a signed bash script runs; its attestation binds template, variables and final script, and verifies (tidepool verify and openssl)', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'deploy.sh');
    writeFileSync(script, 'echo "Deploying #{Octopus.Release.Number} with #{Password}"\n');
    signBash(script);
    const vars = path.join(dir, 'vars.json');
    writeFileSync(
      vars,
      JSON.stringify({
        'Octopus.Release.Number': '1.2.3',
        Password: { value: 'hunter2', sensitive: true },
      })
    );
    const key = path.join(dir, 'attest.pem');
    const run = await runCli([
      script,
      '--policy',
      'AllSigned',
      '--allowed-signers',
      fx('allowed_signers'),
      '--variables',
      vars,
      '--attestation-key',
      key,
    ]);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.log.map((l) => l.text)).toContain('Deploying 1.2.3 with ********');
    const statement = statementOf(run.out);
    const p = statement.predicate;
    expect(p.template).toMatchObject({
      sha256: sha256(readFileSync(script)),
      signature: {
        format: 'sshsig',
        status: 'valid',
        signer: { name: 'release-signer@example.org' },
      },
    });
    const final = 'echo "Deploying 1.2.3 with hunter2"\n';
    // Keyed like the variables: the plain digest of the script would let 'hunter2' be guessed.
    const committer = LocalSigner.fromPem(readFileSync(key, 'utf8')).committer();
    const finalMac = (await committer.mac(Buffer.from(final))).toString('hex');
    expect(p.finalScript).toEqual({
      algorithm: 'HMAC-SHA256',
      keyId: committer.keyId,
      value: finalMac,
    });
    expect(JSON.stringify(statement)).not.toContain(sha256(final));
    expect(statement.subject[0]).toEqual({
      name: 'final-script',
      digest: { 'hmac-sha256': finalMac },
    });
    expect(p.variables.commitment.value).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(statement)).not.toContain('hunter2');
    expect(p.variables.sensitiveNames).toEqual(['Password']);
    expect(p.policy.trustStore?.digest).toMatch(/^sha256:/);
    expect(p.run).toMatchObject({ status: 'succeeded', exitCode: 0 });

    const pub = path.join(dir, 'pub.pem');
    writeFileSync(pub, await LocalSigner.fromPem(readFileSync(key, 'utf8')).publicKeyPem());
    const verified = await capture((io) =>
      verifyCommand(
        [
          run.out,
          '--key',
          pub,
          '--template',
          script,
          '--variables',
          vars,
          '--attestation-key',
          key,
        ],
        io
      )
    );
    expect(verified.out).toContain('VERIFIED');
    expect(verified.code).toBe(0);
    writeFileSync(
      vars,
      JSON.stringify({
        'Octopus.Release.Number': '9.9.9',
        Password: { value: 'hunter2', sensitive: true },
      })
    );
    const noKey = await capture((io) =>
      verifyCommand([run.out, '--key', pub, '--template', script, '--variables', vars], io)
    );
    expect(noKey.code).toBe(1);
    expect(noKey.out).toMatch(/FAIL {2}final script.*give --attestation-key/);
    const wrongVars = await capture((io) =>
      verifyCommand(
        [
          run.out,
          '--key',
          pub,
          '--template',
          script,
          '--variables',
          vars,
          '--attestation-key',
          key,
        ],
        io
      )
    );
    expect(wrongVars.code).toBe(1);
    expect(wrongVars.out).toMatch(/FAIL {2}final script/);

    // openssl alone: rebuild the DSSE PAE and check the ECDSA signature.
    const env = JSON.parse(
      readFileSync(path.join(run.out, 'attestation.json'), 'utf8')
    ) as Envelope;
    const payload = Buffer.from(env.payload, 'base64');
    const paeFile = path.join(dir, 'pae.bin');
    writeFileSync(
      paeFile,
      Buffer.concat([
        Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `),
        payload,
      ])
    );
    const sigFile = path.join(dir, 'sig.der');
    writeFileSync(sigFile, Buffer.from(env.signatures[0]?.sig ?? '', 'base64'));
    const ok = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', pub, '-signature', sigFile, paeFile],
      { encoding: 'utf8' }
    );
    expect(ok).toContain('Verified OK');
  });

  it('a signed PowerShell template is substituted and runs under AllSigned; verbatim keeps it byte-identical', async () => {
    const args = [
      fx('hello-lf.signed.ps1'),
      '--policy',
      'AllSigned',
      '--trust-root',
      fx('root.pem'),
      '--var',
      'Greeting=Hi there',
    ];
    const run = await runCli(args);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.log.map((l) => l.text)).toContain('Greeting: Hi there');
    const p = statementOf(run.out).predicate;
    expect(p.template).toMatchObject({
      signature: {
        format: 'authenticode',
        status: 'valid',
        signer: { name: expect.stringContaining('Tidepool Test Script Signer (RSA)') },
      },
    });
    const verbatim = await runCli([...args, '--verbatim']);
    expect(verbatim.result.log.map((l) => l.text)).toContain('Greeting: #{Greeting}');
    const vp = statementOf(verbatim.out).predicate;
    expect(vp.substitution.verbatim).toBe(true);
    expect(vp.finalScript?.algorithm).toBe('HMAC-SHA256');
    expect(vp.finalScript?.value).not.toBe(sha256(readFileSync(fx('hello-lf.signed.ps1'))));
  }, 60000);

  it('verify-signature prints the verdict and exits 0 only for a valid signature', async () => {
    const good = await capture((io) =>
      verifySignatureCommand([fx('hello-ts.signed.ps1'), '--trust-root', fx('root.pem')], io)
    );
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/VALID.*\n {2}signer: .*Tidepool Test Script Signer/);
    const bad = await capture((io) =>
      verifySignatureCommand(
        [fx('hello-lf.tampered.ps1'), '--trust-root', fx('root.pem'), '--json'],
        io
      )
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ status: 'invalid', code: 'hash-mismatch' });
    const ssh = await capture((io) =>
      verifySignatureCommand(
        [
          fx('deploy.sh'),
          '--allowed-signers',
          fx('allowed_signers'),
          '--signature',
          fx('deploy.sh.git-ns.sig'),
        ],
        io
      )
    );
    expect(ssh.code).toBe(1);
    expect(ssh.out).toMatch(/INVALID[\s\S]*namespace 'git'/);
  });
});

describe('pipeline: each policy × Audit/Enforce × source, for both shells', () => {
  const trustStore = () =>
    trustStoreFromDocument({
      version: 'test',
      roots: [readFileSync(fx('root.pem'), 'utf8')],
      allowedSigners: readFileSync(fx('allowed_signers'), 'utf8'),
    });
  const policies: PolicyName[] = ['Unrestricted', 'RemoteSigned', 'AllSigned', 'Restricted'];
  const modes: Enforcement[] = ['Audit', 'Enforce'];
  const cases: Array<[string, PolicyName, Enforcement, 'inline' | 'store']> = [];
  for (const syntax of ['bash', 'powershell'])
    for (const policy of policies)
      for (const mode of modes)
        for (const source of ['inline', 'store'] as const)
          cases.push([syntax, policy, mode, source]);

  it.each(cases)(
    '%s, %s/%s, unsigned %s script',
    async (syntax, policy, mode, source) => {
      const h = harness();
      h.deps.integrity = createIntegrityCheck({
        policy,
        enforcement: mode,
        trustStore: trustStore(),
      });
      const text = syntax === 'bash' ? 'echo ran' : 'Write-Host "ran"';
      const key = syntax === 'bash' ? 'scripts/s.sh' : 'scripts/s.ps1';
      if (source === 'store') h.input(key, text);
      const result = await h.run({
        schemaVersion: 1,
        deploymentId: 'd',
        stepId: `s-${Math.random().toString(36).slice(2, 8)}`,
        syntax,
        script: source === 'store' ? { key } : { inline: text },
      });
      const refused =
        mode === 'Enforce' &&
        requirement(policy, source === 'inline' ? 'local' : 'remote') !== 'none';
      expect({
        status: result.status,
        code: result.error?.code,
        started: result.timings.startedAt !== null,
        ran: result.log.some((l) => l.text === 'ran'),
      }).toEqual(
        refused
          ? { status: 'rejected', code: 'integrity', started: false, ran: false }
          : { status: 'succeeded', code: undefined, started: true, ran: true }
      );
    },
    30000
  );

  it.each([
    ['bash', 'scripts/deploy.sh', 'deploy.sh', 'deploy.sh.sig'],
    ['powershell', 'scripts/hello.ps1', 'hello-crlf.signed.ps1', undefined],
  ])(
    'RemoteSigned/Enforce runs a signed %s script from the store (with <key>.sig for bash), refuses a tampered one',
    async (syntax, key, file, sig) => {
      const h = harness();
      const integrity = createIntegrityCheck({
        policy: 'RemoteSigned',
        enforcement: 'Enforce',
        trustStore: trustStore(),
      });
      h.deps.integrity = integrity;
      const body = readFileSync(fx(file), 'utf8');
      h.input(key, body);
      if (sig) h.input(`${key}.sig`, readFileSync(fx(sig), 'utf8'));
      const step = {
        schemaVersion: 1,
        deploymentId: 'd',
        syntax,
        script: { key },
        variables: { inline: { 'Octopus.Release.Number': '7' } },
      };
      const ok = await h.run({ ...step, stepId: 'signed' });
      expect(ok.status).toBe('succeeded');
      h.input(key, body.replace(/"/, "'"));
      const bad = await h.run({ ...step, stepId: 'tampered' });
      expect(bad).toMatchObject({ status: 'rejected', error: { code: 'integrity' } });
    },
    30000
  );

  it('a step may tighten the worker policy (AllSigned on an inline script) but not loosen it', async () => {
    const h = harness();
    h.deps.integrity = createIntegrityCheck({ policy: 'RemoteSigned', enforcement: 'Enforce' });
    const base = {
      schemaVersion: 1,
      deploymentId: 'd',
      syntax: 'bash',
      script: { inline: 'echo hi' },
    };
    expect((await h.run({ ...base, stepId: 'a', integrity: { policy: 'AllSigned' } })).status).toBe(
      'rejected'
    );
    h.input('x.sh', 'echo hi');
    const loosen = await h.run({
      ...base,
      stepId: 'b',
      script: { key: 'x.sh' },
      integrity: { policy: 'Unrestricted' },
    });
    expect(loosen.status).toBe('rejected');
  });
});
