// Authenticode verification for PowerShell scripts and modules (.ps1, .psm1), on any OS.
// pkijs/asn1js parse the PKCS#7; node:crypto does every hash, signature and chain check.
// See docs/integrity.md for the byte-level rules.

import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type * as Asn1 from 'asn1js';
import type * as Pki from 'pkijs';
import { asn1js, pkijs } from './asn1';
import { invalidFrom, SignatureRejected, type RejectCode, type SignerIdentity } from './errors';
import {
  CertError,
  certFromDer,
  commonName,
  EKU,
  fingerprint,
  validateChain,
  type Cert,
} from './x509';

export const BEGIN_MARKER = '# SIG # Begin signature block';
export const END_MARKER = '# SIG # End signature block';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  spcSipInfo: '1.3.6.1.4.1.311.2.1.30',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  rfc3161Timestamp: '1.3.6.1.4.1.311.3.3.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
} as const;

/** {603BCC1F-4B59-4E08-B724-D2C6297EF351}, the PowerShell SIP, as stored (mixed-endian GUID). */
export const POWERSHELL_SIP_GUID = '1fcc3b60594b084eb724d2c6297ef351';

const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.3.14.3.2.26': 'sha1',
  '1.2.840.113549.2.5': 'md5',
};

/** Signature algorithm OIDs → the hash they fix, or '' for "the SignerInfo's digest". */
const SIGNATURES: Record<string, { kind: 'rsa' | 'ecdsa'; hash: string }> = {
  '1.2.840.113549.1.1.1': { kind: 'rsa', hash: '' },
  '1.2.840.113549.1.1.11': { kind: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa', hash: 'sha512' },
  '1.2.840.10045.2.1': { kind: 'ecdsa', hash: '' },
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'sha512' },
};

export const DEFAULT_DIGESTS = ['sha256', 'sha384', 'sha512'];

export type AuthenticodeResult =
  | {
      status: 'valid';
      digestAlgorithm: string;
      /** The signed content digest (hex). */
      contentDigest: string;
      signer: SignerIdentity;
      /** The RFC 3161 time, when there is a timestamp. */
      timestamp?: string;
      /** The time the certificates were checked at (timestamp, else now). */
      validatedAt: string;
      encoding: TextEncoding;
    }
  | { status: 'absent'; reason: string }
  | { status: 'invalid'; code: RejectCode; reason: string; signer?: SignerIdentity };

export interface AuthenticodeOptions {
  roots: Cert[];
  /** Defaults to the real time. */
  now?: Date;
  /** Accepted digest algorithms (default sha256, sha384, sha512). */
  digests?: string[];
}

export type TextEncoding = 'ascii' | 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

/**
 * Decodes a script the way the PowerShell SIP does, refusing what tools would read differently:
 * a BOM-less file whose first 32 bytes are ASCII but which has non-ASCII text later is UTF-8 to
 * osslsigncode and the ANSI code page to Windows, so it is rejected as ambiguous.
 */
export function decodeScript(bytes: Buffer): { text: string; encoding: TextEncoding } {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xff && b1 === 0xfe) {
    if (bytes.length % 2 !== 0)
      throw new SignatureRejected('bad-encoding', 'UTF-16LE file with an odd number of bytes');
    return { text: strictDecode('utf-16le', bytes), encoding: 'utf-16le' };
  }
  if (b0 === 0xfe && b1 === 0xff) {
    if (bytes.length % 2 !== 0)
      throw new SignatureRejected('bad-encoding', 'UTF-16BE file with an odd number of bytes');
    const swapped = Buffer.from(bytes);
    swapped.swap16();
    return { text: strictDecode('utf-16le', swapped), encoding: 'utf-16be' };
  }
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) {
    return { text: strictDecode('utf-8', bytes), encoding: 'utf-8-bom' };
  }
  const firstNonAscii = bytes.findIndex((b) => b >= 0x80);
  if (firstNonAscii === -1) return { text: bytes.toString('latin1'), encoding: 'ascii' };
  if (firstNonAscii >= 32) {
    throw new SignatureRejected(
      'ambiguous-encoding',
      'ambiguous text encoding: no byte-order mark, ASCII in the first 32 bytes but non-ASCII text at byte ' +
        `${firstNonAscii} (Windows hashes this as the ANSI code page, other tools as UTF-8); save the script as UTF-8 with a BOM and sign it again`
    );
  }
  return { text: strictDecode('utf-8', bytes), encoding: 'utf-8' };
}

function strictDecode(label: 'utf-8' | 'utf-16le', bytes: Buffer): string {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SignatureRejected('bad-encoding', `the script is not valid ${label.toUpperCase()}`);
  }
}

export interface SignatureBlock {
  /** The signed text: everything before the CRLF preceding the begin marker. */
  body: string;
  der: Buffer;
}

/** Splits text into signed body and PKCS#7 DER; undefined when there is no block. */
export function splitSignatureBlock(text: string): SignatureBlock | undefined {
  const at = text.indexOf(BEGIN_MARKER);
  if (at === -1) return undefined;
  if (text.indexOf(BEGIN_MARKER, at + 1) !== -1) {
    throw new SignatureRejected('malformed-block', 'the script has more than one signature block');
  }
  if (text.slice(at - 2, at) !== '\r\n') {
    throw new SignatureRejected(
      'malformed-block',
      `'${BEGIN_MARKER}' must start a line preceded by CRLF`
    );
  }
  const rest = text.slice(at + BEGIN_MARKER.length);
  if (!rest.startsWith('\r\n')) {
    throw new SignatureRejected('malformed-block', `'${BEGIN_MARKER}' must be followed by CRLF`);
  }
  const lines = rest.slice(2).split('\r\n');
  const base64: string[] = [];
  let index = 0;
  for (; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line === END_MARKER) break;
    if (!/^# [A-Za-z0-9+/]+={0,2}$/.test(line)) {
      throw new SignatureRejected(
        'malformed-block',
        `signature block line ${index + 1} is not '# ' followed by base64 (or the end marker is missing)`
      );
    }
    base64.push(line.slice(2));
  }
  if (index === lines.length) {
    throw new SignatureRejected(
      'malformed-block',
      `the signature block has no '${END_MARKER}' line`
    );
  }
  const after = lines.slice(index + 1).join('\r\n');
  if (after !== '') {
    throw new SignatureRejected(
      'content-after-block',
      `${JSON.stringify(after.slice(0, 40))}${after.length > 40 ? '…' : ''} follows '${END_MARKER}': ` +
        'nothing but one final line break may follow the signature block (appended code is not signed)'
    );
  }
  const joined = base64.join('');
  const der = Buffer.from(joined, 'base64');
  if (der.toString('base64') !== joined) {
    throw new SignatureRejected('malformed-block', 'the signature block is not canonical base64');
  }
  return { body: text.slice(0, at - 2), der };
}

function parseDer(der: Uint8Array, what: string): Asn1.AsnType {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1)
    throw new SignatureRejected(
      'malformed-asn1',
      `${what} is not valid ASN.1: ${parsed.result.error}`
    );
  if (parsed.offset !== der.byteLength) {
    throw new SignatureRejected(
      'ambiguous-asn1',
      `${what} has ${der.byteLength - parsed.offset} bytes after its end`
    );
  }
  const again = Buffer.from(parsed.result.toBER());
  if (!again.equals(Buffer.from(der))) {
    throw new SignatureRejected(
      'ambiguous-asn1',
      `${what} is not DER (a non-canonical BER encoding)`
    );
  }
  return parsed.result;
}

/** Contents octets of a DER TLV (without tag and length). */
function contentsOctets(tlv: Uint8Array): Buffer {
  const buf = Buffer.from(tlv);
  let i = 1;
  if (((buf[0] ?? 0) & 0x1f) === 0x1f) while (((buf[i++] ?? 0) & 0x80) !== 0);
  const first = buf[i++] ?? 0;
  if (first & 0x80) i += first & 0x7f;
  return buf.subarray(i);
}

function digestName(oid: string, allowed: string[], what: string): string {
  const name = DIGESTS[oid];
  if (!name)
    throw new SignatureRejected(
      'unsupported-algorithm',
      `${what}: unknown digest algorithm ${oid}`
    );
  if (!allowed.includes(name)) {
    throw new SignatureRejected(
      'unsupported-algorithm',
      `${what}: digest algorithm ${name} is not accepted (accepted: ${allowed.join(', ')})`
    );
  }
  return name;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function attribute(
  attrs: Pki.SignedAndUnsignedAttributes | undefined,
  oid: string,
  what: string
): Asn1.AsnType {
  const found = (attrs?.attributes ?? []).filter((a) => a.type === oid);
  if (found.length !== 1 || found[0]?.values.length !== 1) {
    throw new SignatureRejected(
      'malformed-signature',
      `${what}: expected exactly one ${oid} attribute, found ${found.length}`
    );
  }
  return found[0].values[0] as Asn1.AsnType;
}

function identity(cert: Cert): SignerIdentity {
  return {
    subject: cert.x509.subject.replace(/\n/g, ', '),
    commonName: commonName(cert),
    issuer: cert.x509.issuer.replace(/\n/g, ', '),
    fingerprint: fingerprint(cert),
    serialNumber: cert.x509.serialNumber.toLowerCase(),
  };
}

interface SignerCheck {
  signer: Cert;
  certs: Cert[];
  digest: string;
}

/** Checks a CMS SignerInfo: messageDigest over `content`, content type, the signature itself. */
function checkSignerInfo(
  sd: Pki.SignedData,
  content: Uint8Array,
  contentType: string,
  allowed: string[],
  what: string
): SignerCheck {
  if (sd.signerInfos.length !== 1) {
    throw new SignatureRejected(
      'malformed-signature',
      `${what}: expected one signer, found ${sd.signerInfos.length}`
    );
  }
  const si = sd.signerInfos[0] as Pki.SignerInfo;
  const digest = digestName(si.digestAlgorithm.algorithmId, allowed, `${what} signer`);
  const certs = (sd.certificates ?? [])
    .filter((c): c is Pki.Certificate => c instanceof pkijs.Certificate)
    .map((c) => certFromDer(Buffer.from(c.toSchema().toBER())));
  if (!(si.sid instanceof pkijs.IssuerAndSerialNumber)) {
    throw new SignatureRejected(
      'malformed-signature',
      `${what}: the signer is not identified by issuer and serial number`
    );
  }
  const sid = si.sid;
  const signer = certs.find(
    (c) =>
      c.pki.issuer.isEqual(sid.issuer) &&
      Buffer.from(c.pki.serialNumber.valueBlock.valueHexView).equals(
        Buffer.from(sid.serialNumber.valueBlock.valueHexView)
      )
  );
  if (!signer)
    throw new SignatureRejected(
      'malformed-signature',
      `${what}: the signer's certificate is not in the signature`
    );
  if (!si.signedAttrs)
    throw new SignatureRejected('malformed-signature', `${what}: no authenticated attributes`);
  const ct = attribute(si.signedAttrs, OID.contentType, what);
  if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== contentType) {
    throw new SignatureRejected(
      'malformed-signature',
      `${what}: content type attribute is not ${contentType}`
    );
  }
  const md = attribute(si.signedAttrs, OID.messageDigest, what);
  if (!(md instanceof asn1js.OctetString))
    throw new SignatureRejected('malformed-signature', `${what}: bad message digest`);
  const actual = createHash(digest).update(content).digest();
  if (!actual.equals(Buffer.from(md.valueBlock.valueHexView))) {
    throw new SignatureRejected(
      'hash-mismatch',
      `${what}: the signed attributes do not match the signed content`,
      identity(signer)
    );
  }
  const algo = SIGNATURES[si.signatureAlgorithm.algorithmId];
  if (!algo) {
    throw new SignatureRejected(
      'unsupported-algorithm',
      `${what}: signature algorithm ${si.signatureAlgorithm.algorithmId} is not supported (RSA PKCS#1 v1.5 and ECDSA only)`
    );
  }
  const hash = algo.hash || digest;
  if (!allowed.includes(hash)) {
    throw new SignatureRejected(
      'unsupported-algorithm',
      `${what}: signature hash ${hash} is not accepted`
    );
  }
  const key: KeyObject = signer.x509.publicKey;
  if ((key.asymmetricKeyType === 'ec') !== (algo.kind === 'ecdsa')) {
    throw new SignatureRejected(
      'unsupported-algorithm',
      `${what}: signature algorithm does not match the signer's key`
    );
  }
  const attrs = Buffer.from(si.signedAttrs.encodedValue);
  attrs[0] = 0x31; // signed as SET OF, stored as [0] IMPLICIT
  if (!cryptoVerify(hash, attrs, key, Buffer.from(si.signature.valueBlock.valueHexView))) {
    throw new SignatureRejected(
      'bad-signature',
      `${what}: the signature does not verify with the signer's key`,
      identity(signer)
    );
  }
  return { signer, certs, digest };
}

function readSignedData(der: Uint8Array, what: string): Pki.SignedData {
  const ci = new pkijs.ContentInfo({ schema: parseDer(der, what) });
  if (ci.contentType !== OID.signedData)
    throw new SignatureRejected('malformed-signature', `${what} is not PKCS#7 SignedData`);
  return new pkijs.SignedData({ schema: ci.content });
}

function checkSipInfo(data: Asn1.AsnType): void {
  if (!(data instanceof asn1js.Sequence))
    throw new SignatureRejected(
      'malformed-signature',
      'SpcAttributeTypeAndOptionalValue is not a SEQUENCE'
    );
  const [type, value] = data.valueBlock.value;
  if (!(type instanceof asn1js.ObjectIdentifier) || type.valueBlock.toString() !== OID.spcSipInfo) {
    throw new SignatureRejected(
      'wrong-sip',
      `not a script signature: SpcIndirectDataContent type is ${type instanceof asn1js.ObjectIdentifier ? type.valueBlock.toString() : '?'}, not SPC_SIPINFO`
    );
  }
  const guid = value instanceof asn1js.Sequence ? value.valueBlock.value[1] : undefined;
  if (!(guid instanceof asn1js.OctetString))
    throw new SignatureRejected('wrong-sip', 'SpcSipInfo has no GUID');
  const got = hex(guid.valueBlock.valueHexView);
  if (got !== POWERSHELL_SIP_GUID) {
    throw new SignatureRejected(
      'wrong-sip',
      `the signature is for SIP ${got}, not the PowerShell SIP (${POWERSHELL_SIP_GUID}): it was made for another file type`
    );
  }
}

/** Verifies an RFC 3161 token over `signatureValue`; returns its time. */
function checkTimestamp(
  token: Asn1.AsnType,
  signatureValue: Uint8Array,
  opts: Required<AuthenticodeOptions>
): Date {
  const sd = readSignedData(new Uint8Array(token.toBER()), 'timestamp token');
  if (sd.encapContentInfo.eContentType !== OID.tstInfo || !sd.encapContentInfo.eContent) {
    throw new SignatureRejected('bad-timestamp', 'timestamp token does not hold a TSTInfo');
  }
  const content = sd.encapContentInfo.eContent.valueBlock.valueHexView;
  const tst = new pkijs.TSTInfo({ schema: parseDer(content, 'TSTInfo') });
  const imprintHash = digestName(
    tst.messageImprint.hashAlgorithm.algorithmId,
    opts.digests,
    'timestamp imprint'
  );
  const expected = createHash(imprintHash).update(signatureValue).digest();
  if (!expected.equals(Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView))) {
    throw new SignatureRejected(
      'bad-timestamp',
      'the timestamp is for another signature (message imprint mismatch)'
    );
  }
  const { signer, certs } = checkSignerInfo(sd, content, OID.tstInfo, opts.digests, 'timestamp');
  try {
    validateChain(
      signer,
      certs,
      opts.roots,
      tst.genTime,
      EKU.timeStamping,
      'timestamping authority'
    );
  } catch (error) {
    if (error instanceof CertError)
      throw new SignatureRejected('bad-timestamp', `timestamp: ${error.message}`);
    throw error;
  }
  return tst.genTime;
}

/** Verifies the Authenticode signature of a PowerShell script or module given as file bytes. */
export function verifyAuthenticode(
  bytes: Buffer,
  options: AuthenticodeOptions
): AuthenticodeResult {
  const opts: Required<AuthenticodeOptions> = {
    roots: options.roots,
    now: options.now ?? new Date(),
    digests: options.digests ?? DEFAULT_DIGESTS,
  };
  try {
    const { text, encoding } = decodeScript(bytes);
    const block = splitSignatureBlock(text);
    if (!block)
      return { status: 'absent', reason: 'the script has no Authenticode signature block' };
    const sd = readSignedData(block.der, 'the signature block');
    if (sd.encapContentInfo.eContentType !== OID.spcIndirectData) {
      throw new SignatureRejected(
        'wrong-sip',
        `signed content is ${sd.encapContentInfo.eContentType}, not SpcIndirectDataContent`
      );
    }
    const indirect = sd.encapContentInfo.eContent as unknown as Asn1.AsnType;
    if (!(indirect instanceof asn1js.Sequence)) {
      throw new SignatureRejected(
        'malformed-signature',
        'SpcIndirectDataContent is not a SEQUENCE'
      );
    }
    const [data, digestInfo] = indirect.valueBlock.value;
    if (!data || !(digestInfo instanceof asn1js.Sequence)) {
      throw new SignatureRejected(
        'malformed-signature',
        'SpcIndirectDataContent has no DigestInfo'
      );
    }
    checkSipInfo(data);
    const [algId, digestValue] = digestInfo.valueBlock.value;
    const alg = algId ? new pkijs.AlgorithmIdentifier({ schema: algId }) : undefined;
    if (!alg || !(digestValue instanceof asn1js.OctetString)) {
      throw new SignatureRejected('malformed-signature', 'malformed DigestInfo');
    }
    const digest = digestName(alg.algorithmId, opts.digests, 'script digest');
    const signedDigest = hex(digestValue.valueBlock.valueHexView);
    const actual = createHash(digest).update(Buffer.from(block.body, 'utf16le')).digest('hex');
    if (actual !== signedDigest) {
      throw new SignatureRejected(
        'hash-mismatch',
        `the script was changed after it was signed (${digest} of the text is ${actual.slice(0, 16)}…, the signature says ${signedDigest.slice(0, 16)}…; line-ending or encoding conversions count as changes)`
      );
    }
    const { signer, certs } = checkSignerInfo(
      sd,
      contentsOctets(indirect.valueBeforeDecodeView),
      OID.spcIndirectData,
      opts.digests,
      'signature'
    );
    const si = sd.signerInfos[0] as Pki.SignerInfo;
    const tsAttr =
      si.unsignedAttrs?.attributes.filter((a) => a.type === OID.rfc3161Timestamp) ?? [];
    if (tsAttr.length > 1 || (tsAttr[0] && tsAttr[0].values.length !== 1)) {
      throw new SignatureRejected('bad-timestamp', 'more than one RFC 3161 timestamp');
    }
    const token = tsAttr[0]?.values[0] as Asn1.AsnType | undefined;
    const timestamp = token
      ? checkTimestamp(token, si.signature.valueBlock.valueHexView, opts)
      : undefined;
    const at = timestamp ?? opts.now;
    try {
      validateChain(signer, certs, opts.roots, at, EKU.codeSigning, 'signer');
    } catch (error) {
      if (error instanceof CertError) {
        const when = timestamp
          ? ' (checked at the timestamp)'
          : ' (no timestamp: checked at the current time)';
        throw new SignatureRejected(
          error.code,
          error.message + (error.code === 'cert-expired' ? when : ''),
          identity(signer)
        );
      }
      throw error;
    }
    return {
      status: 'valid',
      digestAlgorithm: digest,
      contentDigest: signedDigest,
      signer: identity(signer),
      ...(timestamp ? { timestamp: timestamp.toISOString() } : {}),
      validatedAt: at.toISOString(),
      encoding,
    };
  } catch (error) {
    if (error instanceof CertError)
      return { status: 'invalid', code: error.code, reason: error.message };
    return invalidFrom(error, 'unreadable signature');
  }
}

/** Removes a trailing signature block from rendered text (the signature no longer applies). */
export function stripSignatureBlock(text: string): string {
  const at = text.lastIndexOf(`\r\n${BEGIN_MARKER}`);
  if (at === -1) return text;
  return text.slice(0, at);
}
