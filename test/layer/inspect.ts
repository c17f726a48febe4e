// Independent readers for checking the layer: a zip reader (central directory, stored and
// deflated entries, Unix modes, symlinks) and an ELF reader (machine, glibc versions needed).
// Deliberately separate from the build's own code in layers/script-runtime/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';

export interface ZipEntryInfo {
  name: string;
  mode: number; // full st_mode (type + permission bits)
  kind: 'file' | 'dir' | 'symlink';
  data: Buffer; // uncompressed (symlink: its target)
  dosDate: number;
  dosTime: number;
}

export function readZip(file: string): ZipEntryInfo[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file}: no end of central directory`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const dosTime = buf.readUInt16LE(p + 12);
    const dosDate = buf.readUInt16LE(p + 14);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const external = buf.readUInt32LE(p + 38);
    const localOff = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const lNameLen = buf.readUInt16LE(localOff + 26);
    const lExtraLen = buf.readUInt16LE(localOff + 28);
    const start = localOff + 30 + lNameLen + lExtraLen;
    const raw = buf.subarray(start, start + csize);
    const data = method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
    if (zlib.crc32 && zlib.crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    const mode = external >>> 16;
    const type = mode & 0o170000;
    const kind =
      type === 0o120000 ? 'symlink' : type === 0o040000 || name.endsWith('/') ? 'dir' : 'file';
    out.push({ name: name.replace(/\/$/, ''), mode, kind, data, dosDate, dosTime });
  }
  return out;
}

/** Unpack a zip made by the layer build into dest (modes and symlinks preserved). */
export function unpackZip(file: string, dest: string): ZipEntryInfo[] {
  const entries = readZip(file);
  for (const e of entries) {
    const target = path.join(dest, e.name);
    if (!target.startsWith(path.resolve(dest) + path.sep)) throw new Error(`unsafe path ${e.name}`);
    if (e.kind === 'dir') {
      fs.mkdirSync(target, { recursive: true, mode: e.mode & 0o777 });
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (e.kind === 'symlink') fs.symlinkSync(e.data.toString('utf8'), target);
      else fs.writeFileSync(target, e.data, { mode: e.mode & 0o777 });
    }
  }
  return entries;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ElfInfo {
  machine: string;
  hasInterpreter: boolean;
  hasDynamic: boolean;
  glibcVersions: string[]; // e.g. ["2.2.5", "2.14"]
}

const MACHINES: Record<number, string> = { 62: 'x86_64', 183: 'aarch64', 3: 'x86', 40: 'arm' };

export function isElf(buf: Buffer): boolean {
  return buf.length > 4 && buf.readUInt32BE(0) === 0x7f454c46;
}

/** ELF64 little-endian only (all the layer's targets). */
export function readElfInfo(buf: Buffer): ElfInfo {
  if (!isElf(buf) || buf[4] !== 2 || buf[5] !== 1)
    throw new Error('not a little-endian ELF64 file');
  const u16 = (o: number) => buf.readUInt16LE(o);
  const u32 = (o: number) => buf.readUInt32LE(o);
  const u64 = (o: number) => Number(buf.readBigUInt64LE(o));
  const machine = MACHINES[u16(18)] ?? `machine-${u16(18)}`;
  const phoff = u64(32);
  const shoff = u64(40);
  let hasInterpreter = false;
  let hasDynamic = false;
  for (let i = 0; i < u16(56); i++) {
    const type = u32(phoff + i * u16(54));
    if (type === 3) hasInterpreter = true;
    if (type === 2) hasDynamic = true;
  }
  const shentsize = u16(58);
  const sec = (i: number) => {
    const s = shoff + i * shentsize;
    return { type: u32(s + 4), offset: u64(s + 24), link: u32(s + 40), info: u32(s + 44) };
  };
  const glibc = new Set<string>();
  for (let i = 0; shoff && i < u16(60); i++) {
    const s = sec(i);
    if (s.type !== 0x6ffffffe) continue; // SHT_GNU_verneed
    const strtab = sec(s.link).offset;
    const str = (o: number) => {
      let end = strtab + o;
      while (buf[end] !== 0) end++;
      return buf.toString('latin1', strtab + o, end);
    };
    let vn = s.offset;
    for (let n = 0; n < s.info; n++) {
      let aux = vn + u32(vn + 8);
      for (let a = 0; a < u16(vn + 2); a++) {
        const m = /^GLIBC_(\d+(?:\.\d+)*)$/.exec(str(u32(aux + 8)));
        if (m?.[1]) glibc.add(m[1]);
        aux += u32(aux + 12);
      }
      vn += u32(vn + 12);
    }
  }
  return { machine, hasInterpreter, hasDynamic, glibcVersions: [...glibc].sort(compareDotted) };
}

export function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
