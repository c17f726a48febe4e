// Signature verification cost: Authenticode (with and without an RFC 3161 timestamp) and
// SSHSIG on a ~100 KB signed script, against hashing the same bytes. Fixtures come from
// test/fixtures/integrity/make-fixtures.sh (needs openssl, osslsigncode, ssh-keygen).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyAuthenticode } from '../src/integrity/authenticode';
import { parseAllowedSigners, verifySshsig } from '../src/integrity/sshsig';
import { certFromPem } from '../src/integrity/x509';
import { measure, type Stats } from './harness';

export async function benchIntegrity(): Promise<Stats[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidepool-bench-integrity-'));
  try {
    // bench/ in the sources, dist/bench/ after the build, or the working directory
    const rel = path.join('test', 'fixtures', 'integrity', 'make-fixtures.sh');
    const candidates = [
      path.resolve(__dirname, '..', rel),
      path.resolve(__dirname, '..', '..', rel),
      path.resolve(rel),
    ];
    const source = candidates.find((c) => existsSync(c)) ?? rel;
    execFileSync('bash', [source, dir], { stdio: 'ignore' });
    const read = (name: string) => readFileSync(path.join(dir, name));
    const roots = certFromPem(read('root.pem').toString('utf8')); // parsed once, as the worker does
    const signers = parseAllowedSigners(read('allowed_signers').toString('utf8'));
    const plain = read('big.signed.ps1');
    const stamped = read('big-ts.signed.ps1');
    const ssh = read('big.ps1');
    const sshSig = read('big.ps1.sshsig').toString('utf8');
    const kb = `${Math.round(plain.length / 1024)} KB`;
    const check = (ok: boolean, what: string) => {
      if (!ok) throw new Error(`bench fixture did not verify: ${what}`);
    };
    check(verifyAuthenticode(plain, { roots }).status === 'valid', 'authenticode');
    check(verifyAuthenticode(stamped, { roots }).status === 'valid', 'authenticode+ts');
    check(verifySshsig(ssh, sshSig, { allowedSigners: signers }).status === 'valid', 'sshsig');
    const rows = [
      await measure(
        `baseline: SHA-256 of the ${kb} file`,
        () => createHash('sha256').update(plain).digest(),
        200,
        10
      ),
      await measure(
        `baseline: SHA-256 of its UTF-16LE text`,
        () =>
          createHash('sha256')
            .update(Buffer.from(plain.toString('latin1'), 'utf16le'))
            .digest(),
        200,
        10
      ),
      await measure(
        `Authenticode ${kb}, RSA-2048, no timestamp`,
        () => verifyAuthenticode(plain, { roots }),
        100,
        5
      ),
      await measure(
        `Authenticode ${kb}, RSA-2048, RFC 3161 timestamp`,
        () => verifyAuthenticode(stamped, { roots }),
        100,
        5
      ),
      await measure(
        `SSHSIG ${kb}, ed25519`,
        () => verifySshsig(ssh, sshSig, { allowedSigners: signers }),
        200,
        10
      ),
    ];
    return rows.map((r) => ({ ...r, note: r.note ?? 'target < 20 ms' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void benchIntegrity().then(async (rows) => {
    const { formatTable } = await import('./harness');
    process.stdout.write(formatTable('Script signature verification', rows));
  });
}
