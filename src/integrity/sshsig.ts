// OpenSSH SSHSIG detached signatures (`ssh-keygen -Y sign`) for bash scripts, verified with
// node:crypto: ssh-ed25519, ecdsa-sha2-nistp256 and RSA (rsa-sha2-256/512) keys.
// Format: PROTOCOL.sshsig in the OpenSSH sources; allowed_signers: ssh-keygen(1).

import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { invalidFrom, SignatureRejected, type RejectCode } from './errors';

export const DEFAULT_NAMESPACES = ['file', 'tidepool-script'];

export interface AllowedSigner {
  principals: string[];
  namespaces?: string[];
  validAfter?: Date;
  validBefore?: Date;
  keyType: string;
  /** The SSH wire-format public key. */
  key: Buffer;
  line: number;
}

export interface SshSignerIdentity {
  principal: string;
  keyType: string;
  /** `SHA256:…` as ssh-keygen prints it. */
  fingerprint: string;
}

export type SshsigResult =
  | { status: 'valid'; signer: SshSignerIdentity; namespace: string; hashAlgorithm: string }
  | { status: 'absent'; reason: string }
  | { status: 'invalid'; code: RejectCode; reason: string };

export interface SshsigOptions {
  allowedSigners: AllowedSigner[];
  /** Accepted namespaces; default `file` and `tidepool-script`. */
  namespaces?: string[];
  /** When given, the signer must match this principal (like `ssh-keygen -Y verify -I`). */
  principal?: string;
  now?: Date;
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length)
      throw new SignatureRejected('malformed-signature', 'truncated SSH data');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  text(): string {
    return this.string().toString('utf8');
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

export function keyFingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** Unsigned big-endian integer from an SSH mpint (strip the sign byte). */
function mpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function b64url(b: Buffer): string {
  return b.toString('base64url');
}

function publicKey(blob: Buffer): { type: string; key: KeyObject } {
  const r = new Reader(blob);
  const type = r.text();
  let key: KeyObject;
  if (type === 'ssh-ed25519') {
    const pk = r.string();
    if (pk.length !== 32) throw new SignatureRejected('malformed-signature', 'bad ed25519 key');
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pk) }, format: 'jwk' });
  } else if (type === 'ecdsa-sha2-nistp256') {
    if (r.text() !== 'nistp256')
      throw new SignatureRejected('malformed-signature', 'bad ECDSA curve');
    const q = r.string();
    if (q.length !== 65 || q[0] !== 4)
      throw new SignatureRejected('malformed-signature', 'bad ECDSA point');
    key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64url(q.subarray(1, 33)), y: b64url(q.subarray(33)) },
      format: 'jwk',
    });
  } else if (type === 'ssh-rsa') {
    const e = mpint(r.string());
    const n = mpint(r.string());
    if (n.length * 8 < 2048)
      throw new SignatureRejected(
        'unsupported-algorithm',
        'RSA keys shorter than 2048 bits are not accepted'
      );
    key = createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
  } else {
    throw new SignatureRejected(
      'unsupported-algorithm',
      `SSH key type ${type} is not supported (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa)`
    );
  }
  if (!r.done())
    throw new SignatureRejected('malformed-signature', 'trailing bytes in the public key');
  return { type, key };
}

/** Decodes the armored signature `ssh-keygen -Y sign` writes. */
export function parseArmored(text: string): Buffer {
  const m =
    /^-----BEGIN SSH SIGNATURE-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n-----END SSH SIGNATURE-----\r?\n?$/.exec(
      text.trim() + '\n'
    );
  if (!m)
    throw new SignatureRejected(
      'malformed-signature',
      'not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)'
    );
  const b64 = (m[1] ?? '').replace(/\s+/g, '');
  const blob = Buffer.from(b64, 'base64');
  if (blob.toString('base64') !== b64)
    throw new SignatureRejected('malformed-signature', 'the SSH signature is not canonical base64');
  return blob;
}

function verifyRaw(type: string, key: KeyObject, sigBlob: Buffer, signed: Buffer): void {
  const r = new Reader(sigBlob);
  const sigType = r.text();
  const sig = r.string();
  if (!r.done())
    throw new SignatureRejected('malformed-signature', 'trailing bytes in the signature');
  let ok: boolean;
  if (type === 'ssh-ed25519') {
    if (sigType !== 'ssh-ed25519')
      throw new SignatureRejected('malformed-signature', 'signature type does not match the key');
    ok = cryptoVerify(null, signed, key, sig);
  } else if (type === 'ecdsa-sha2-nistp256') {
    if (sigType !== type)
      throw new SignatureRejected('malformed-signature', 'signature type does not match the key');
    const rs = new Reader(sig);
    const pad = (b: Buffer) => Buffer.concat([Buffer.alloc(32), mpint(b)]).subarray(-32);
    const rr = mpint(rs.string());
    const ss = mpint(rs.string());
    if (rr.length > 32 || ss.length > 32 || !rs.done())
      throw new SignatureRejected('malformed-signature', 'bad ECDSA signature');
    ok = cryptoVerify(
      'sha256',
      signed,
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.concat([pad(rr), pad(ss)])
    );
  } else {
    const hash =
      sigType === 'rsa-sha2-512' ? 'sha512' : sigType === 'rsa-sha2-256' ? 'sha256' : undefined;
    if (!hash) {
      throw new SignatureRejected(
        'unsupported-algorithm',
        `RSA signature type ${sigType} is not accepted (rsa-sha2-256/512 only; ssh-rsa is SHA-1)`
      );
    }
    ok = cryptoVerify(hash, signed, key, sig);
  }
  if (!ok)
    throw new SignatureRejected(
      'bad-signature',
      'the script was changed after it was signed (SSH signature does not verify)'
    );
}

function principalMatches(pattern: string, principal: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$'
  );
  return re.test(principal);
}

/** Why one allowed_signers line that holds the key does not admit this signature. */
interface EntryProblem {
  code: 'wrong-principal' | 'wrong-namespace' | 'untrusted-signer';
  text: string;
}

/** The principal an allowed_signers line admits the signature as, or why it does not. */
function admits(
  entry: AllowedSigner,
  namespace: string,
  now: Date,
  wanted: string | undefined
): { principal: string } | EntryProblem {
  const principal = wanted
    ? entry.principals.some((p) => principalMatches(p, wanted))
      ? wanted
      : undefined
    : entry.principals[0];
  if (principal === undefined) {
    return {
      code: 'wrong-principal',
      text: `line ${entry.line}: principal ${wanted} does not match ${entry.principals.join(',')}`,
    };
  }
  if (entry.namespaces && !entry.namespaces.some((n) => principalMatches(n, namespace))) {
    return {
      code: 'wrong-namespace',
      text: `line ${entry.line}: the key may sign only namespaces ${entry.namespaces.join(',')}, not '${namespace}'`,
    };
  }
  if (
    (entry.validAfter && now < entry.validAfter) ||
    (entry.validBefore && now > entry.validBefore)
  ) {
    return {
      code: 'untrusted-signer',
      text: `line ${entry.line}: the key is not valid at ${now.toISOString()}`,
    };
  }
  return { principal };
}

/** Every line named another principal: the wrong one asked; else a namespace refusal says most. */
function verdictOf(problems: EntryProblem[]): EntryProblem['code'] {
  if (problems.every((p) => p.code === 'wrong-principal')) return 'wrong-principal';
  if (problems.some((p) => p.code === 'wrong-namespace')) return 'wrong-namespace';
  return 'untrusted-signer';
}

/** Verifies a detached SSHSIG over `message` (the script's exact bytes). */
export function verifySshsig(
  message: Buffer,
  armored: string | undefined,
  options: SshsigOptions
): SshsigResult {
  if (armored === undefined)
    return { status: 'absent', reason: 'no detached SSH signature (<script>.sig)' };
  const namespaces = options.namespaces ?? DEFAULT_NAMESPACES;
  const now = options.now ?? new Date();
  try {
    const r = new Reader(parseArmored(armored));
    if (r.bytes(6).toString('latin1') !== 'SSHSIG')
      throw new SignatureRejected('malformed-signature', 'missing SSHSIG magic');
    const version = r.uint32();
    if (version !== 1)
      throw new SignatureRejected(
        'unsupported-algorithm',
        `SSHSIG version ${version} is not supported`
      );
    const keyBlob = r.string();
    const namespace = r.text();
    const reserved = r.string();
    const hashAlgorithm = r.text();
    const sigBlob = r.string();
    if (!r.done())
      throw new SignatureRejected('malformed-signature', 'trailing bytes after the SSH signature');
    if (hashAlgorithm !== 'sha256' && hashAlgorithm !== 'sha512') {
      throw new SignatureRejected(
        'unsupported-algorithm',
        `SSHSIG hash ${hashAlgorithm} is not supported (sha256, sha512)`
      );
    }
    if (!namespaces.includes(namespace)) {
      throw new SignatureRejected(
        'wrong-namespace',
        `the signature was made for namespace '${namespace}', which is not accepted for scripts (accepted: ${namespaces.join(', ')})`
      );
    }
    const { type, key } = publicKey(keyBlob);
    const signed = Buffer.concat([
      Buffer.from('SSHSIG', 'latin1'),
      sshString(namespace),
      sshString(reserved),
      sshString(hashAlgorithm),
      sshString(createHash(hashAlgorithm).update(message).digest()),
    ]);
    verifyRaw(type, key, sigBlob, signed);
    const fp = keyFingerprint(keyBlob);
    const entries = options.allowedSigners.filter((s) => s.key.equals(keyBlob));
    if (entries.length === 0) {
      throw new SignatureRejected(
        'untrusted-signer',
        `the signing key ${fp} is not in allowed_signers`
      );
    }
    const problems: EntryProblem[] = [];
    for (const entry of entries) {
      const verdict = admits(entry, namespace, now, options.principal);
      if ('code' in verdict) {
        problems.push(verdict);
        continue;
      }
      return {
        status: 'valid',
        signer: { principal: verdict.principal, keyType: type, fingerprint: fp },
        namespace,
        hashAlgorithm,
      };
    }
    throw new SignatureRejected(
      verdictOf(problems),
      `key ${fp} is in allowed_signers but not allowed here: ${problems.map((p) => p.text).join('; ')}`
    );
  } catch (error) {
    return invalidFrom(error, 'unreadable SSH signature');
  }
}

function parseTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', z] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${z ? 'Z' : ''}`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Splits `text` at each character `separator` matches outside double quotes (quotes are kept).
 * `keepEmpty` keeps the empty parts between two separators, so that `a,,b` is refused.
 */
function splitOutsideQuotes(text: string, separator: RegExp, keepEmpty: boolean): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && separator.test(ch)) {
      if (current || keepEmpty) out.push(current);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

const tokens = (line: string): string[] => splitOutsideQuotes(line, /\s/, false);
const splitOptions = (text: string): string[] => splitOutsideQuotes(text, /,/, true);

const KEY_TYPES = /^(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa|ssh-dss|sk-\S+)$/;

/** Parses an OpenSSH allowed_signers file; throws on a line it cannot read. */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = tokens(line);
    const principals = (parts.shift() ?? '').replace(/^"|"$/g, '').split(',');
    let options: string[] = [];
    if (parts[0] && !KEY_TYPES.test(parts[0])) options = splitOptions(parts.shift() as string);
    const [keyType, keyB64] = parts;
    if (!keyType || !keyB64 || !KEY_TYPES.test(keyType)) {
      throw new Error(
        `allowed_signers line ${index + 1}: expected 'principals [options] key-type base64-key'`
      );
    }
    const key = Buffer.from(keyB64, 'base64');
    const entry: AllowedSigner = { principals, keyType, key, line: index + 1 };
    for (const opt of options) {
      const [name = '', value = ''] = opt.split(/=(.*)/s);
      const v = value.replace(/^"|"$/g, '');
      const lower = name.toLowerCase();
      if (lower === 'namespaces') entry.namespaces = v.split(',');
      else if (lower === 'valid-after' || lower === 'valid-before') {
        const at = parseTime(v);
        if (!at) throw new Error(`allowed_signers line ${index + 1}: bad ${lower} time '${v}'`);
        if (lower === 'valid-after') entry.validAfter = at;
        else entry.validBefore = at;
      } else if (lower === 'cert-authority') {
        throw new Error(
          `allowed_signers line ${index + 1}: cert-authority entries are not supported`
        );
      } else {
        throw new Error(`allowed_signers line ${index + 1}: unknown option '${name}'`);
      }
    }
    out.push(entry);
  });
  return out;
}
