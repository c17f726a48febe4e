// @ts-check
// Deterministic zip writer: same entries in -> same bytes out.
//
// Entries are written in the order given (the caller sorts them), every entry gets the same
// DOS timestamp (1980-01-01 00:00), no extra fields (no uid/gid, no atime/mtime), and Unix
// permissions in the external attributes (so symlinks and the executable bit survive the
// unzip that Lambda does). Compression is raw deflate from node:zlib; its output depends on
// the zlib build, so "same bytes" holds for the same Node.js release line (process.versions.zlib
// is written to the manifest).
import { Buffer } from 'node:buffer';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { createHash } from 'node:crypto';

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const DOS_TIME_MIDNIGHT = 0;
const VERSION_MADE_BY_UNIX = (3 << 8) | 30; // Unix, spec 3.0
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** @type {Uint32Array | undefined} */
let crcTable;
/**
 * @param {Buffer} buf
 * @param {number} [crc]
 * @returns {number}
 */
function crc32(buf, crc = 0) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf, crc);
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  const table = crcTable;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * @param {Buffer} buf
 * @param {number} level
 * @returns {Promise<Buffer>}
 */
function deflate(buf, level) {
  return new Promise((resolve, reject) =>
    zlib.deflateRaw(buf, { level, memLevel: 8, windowBits: 15 }, (err, out) =>
      err ? reject(err) : resolve(out)
    )
  );
}

/**
 * @typedef {{ name: string, type: 'file', source: string, mode: number }
 *   | { name: string, type: 'dir', mode: number }
 *   | { name: string, type: 'symlink', target: string }} ZipEntry
 */

/** @typedef {{ raw: Buffer, data: Buffer, method: 0 | 8 }} Prepared */

/**
 * Prepare one entry's data (read + compress). Runs concurrently with others.
 * @param {ZipEntry} entry
 * @param {number} level
 * @returns {Promise<Prepared>}
 */
async function prepare(entry, level) {
  if (entry.type === 'dir') {
    return { raw: Buffer.alloc(0), data: Buffer.alloc(0), method: 0 };
  }
  const raw =
    entry.type === 'symlink' ? Buffer.from(entry.target, 'utf8') : await fsp.readFile(entry.source);
  if (entry.type === 'symlink' || raw.length < 64) return { raw, data: raw, method: 0 };
  const data = await deflate(raw, level);
  return data.length < raw.length ? { raw, data, method: 8 } : { raw, data: raw, method: 0 };
}

/**
 * What the local header and the central record of an entry both say.
 * @typedef {{ method: 0 | 8, crc: number, compressed: number, size: number, name: Buffer }} Fields
 */

/**
 * The local file header; the name and the data follow it.
 * @param {Fields} f
 */
function localHeader(f) {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(f.method === 8 ? 20 : 10, 4); // version needed
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(f.method, 8);
  local.writeUInt16LE(DOS_TIME_MIDNIGHT, 10);
  local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
  local.writeUInt32LE(f.crc, 14);
  local.writeUInt32LE(f.compressed, 18);
  local.writeUInt32LE(f.size, 22);
  local.writeUInt16LE(f.name.length, 26);
  local.writeUInt16LE(0, 28); // extra length
  return local;
}

/**
 * The entry's central directory record, with its Unix mode and type; the name follows it.
 * @param {Fields} f
 * @param {ZipEntry} entry
 * @param {number} localOffset where its local header starts
 */
function centralRecord(f, entry, localOffset) {
  let unixMode;
  let dosAttr = 0;
  if (entry.type === 'dir') {
    unixMode = S_IFDIR | (entry.mode & 0o7777);
    dosAttr = 0x10;
  } else if (entry.type === 'symlink') {
    unixMode = S_IFLNK | 0o777;
  } else {
    unixMode = S_IFREG | (entry.mode & 0o7777);
  }
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(VERSION_MADE_BY_UNIX, 4);
  cd.writeUInt16LE(f.method === 8 ? 20 : 10, 6); // version needed
  cd.writeUInt16LE(0, 8);
  cd.writeUInt16LE(f.method, 10);
  cd.writeUInt16LE(DOS_TIME_MIDNIGHT, 12);
  cd.writeUInt16LE(DOS_DATE_1980_01_01, 14);
  cd.writeUInt32LE(f.crc, 16);
  cd.writeUInt32LE(f.compressed, 20);
  cd.writeUInt32LE(f.size, 24);
  cd.writeUInt16LE(f.name.length, 28);
  cd.writeUInt16LE(0, 30); // extra
  cd.writeUInt16LE(0, 32); // comment
  cd.writeUInt16LE(0, 34); // disk
  cd.writeUInt16LE(0, 36); // internal attrs
  cd.writeUInt32LE(((unixMode << 16) | dosAttr) >>> 0, 38);
  cd.writeUInt32LE(localOffset, 42);
  return cd;
}

/**
 * The end of central directory record.
 * @param {number} count
 * @param {number} cdSize
 * @param {number} cdStart
 */
function endRecord(count, cdSize, cdStart) {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdStart, 16);
  end.writeUInt16LE(0, 20);
  return end;
}

/**
 * Write a zip file. Returns { bytes, sha256, unzippedBytes, entries }.
 * @param {string} outFile
 * @param {ZipEntry[]} entries already sorted
 * @param {{ level?: number, concurrency?: number }} [opts]
 */
export async function writeZip(outFile, entries, opts = {}) {
  const level = opts.level ?? 9;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const out = createWriteStream(outFile);
  const hash = createHash('sha256');
  let offset = 0;
  let unzippedBytes = 0;
  /** @type {Buffer[]} */
  const central = [];
  const write = async (/** @type {Buffer} */ buf) => {
    hash.update(buf);
    offset += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };

  // Bounded look-ahead: compress up to `concurrency` entries in flight, write in order.
  /** @type {Map<number, Promise<Prepared>>} */
  const pending = new Map();
  let next = 0;
  const schedule = () => {
    while (next < entries.length && pending.size < concurrency) {
      const i = next++;
      pending.set(i, prepare(entries[i], level));
    }
  };
  schedule();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const prepared = /** @type {Prepared} */ (await pending.get(i));
    pending.delete(i);
    schedule();
    const { raw, data, method } = prepared;
    const name = Buffer.from(
      entry.type === 'dir' ? `${entry.name.replace(/\/$/, '')}/` : entry.name,
      'utf8'
    );
    if (name.length > 0xffff || data.length > 0xfffffffe || offset > 0xfffffffe) {
      throw new Error(`zip: entry ${entry.name} needs zip64, which this writer does not do`);
    }
    unzippedBytes += entry.type === 'file' ? raw.length : 0;
    const fields = { method, crc: crc32(raw), compressed: data.length, size: raw.length, name };
    const localOffset = offset;
    await write(localHeader(fields));
    await write(name);
    if (data.length) await write(data);
    central.push(centralRecord(fields, entry, localOffset), name);
  }
  if (entries.length > 0xffff) throw new Error('zip: more than 65535 entries needs zip64');
  const cdStart = offset;
  for (const b of central) await write(b);
  await write(endRecord(entries.length, offset - cdStart, cdStart));
  out.end();
  await once(out, 'close');
  return { bytes: offset, sha256: hash.digest('hex'), unzippedBytes, entries: entries.length };
}

/**
 * SHA-256 of a file, streamed.
 * @param {string} file
 */
export async function sha256File(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return h.digest('hex');
}
