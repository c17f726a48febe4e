// @ts-check
// Minimal ELF reader: architecture, static/dynamic, DT_NEEDED and the symbol versions a
// binary requires (.gnu.version_r), enough to check "needs no glibc newer than 2.34".
import { promises as fsp } from 'node:fs';

/** @type {Record<number, string>} */
const MACHINES = { 3: 'x86', 62: 'x86_64', 40: 'arm', 183: 'aarch64' };
/** @type {Record<number, 'exec' | 'dyn' | 'rel' | 'core'>} */
const TYPES = { 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' };
const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const DT_NEEDED = 1;

/**
 * True when the buffer starts with the ELF magic.
 * @param {Buffer} buf
 */
export function isElf(buf) {
  return (
    buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46
  );
}

/**
 * @param {Buffer} buf
 * @param {number} off
 */
function cstr(buf, off) {
  let end = off;
  while (end < buf.length && buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

/**
 * @param {Buffer} buf whole file
 * @returns {{ machine: string, type: 'exec'|'dyn'|'rel'|'core'|'unknown', interpreter: string|null,
 *   static: boolean, needed: string[], versions: Record<string,string[]>, maxGlibc: string|null } | null}
 */
export function readElf(buf) {
  if (!isElf(buf)) return null;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  if (!is64 || !le) throw new Error('only little-endian ELF64 is supported');
  const u16 = (/** @type {number} */ o) => buf.readUInt16LE(o);
  const u32 = (/** @type {number} */ o) => buf.readUInt32LE(o);
  const u64 = (/** @type {number} */ o) => Number(buf.readBigUInt64LE(o));
  const eType = u16(16);
  const machine = MACHINES[u16(18)] ?? `machine-${u16(18)}`;
  const phoff = u64(32);
  const shoff = u64(40);
  const phentsize = u16(54);
  const phnum = u16(56);
  const shentsize = u16(58);
  const shnum = u16(60);

  let interpreter = null;
  let hasDynamic = false;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = u32(p);
    if (type === PT_INTERP) {
      const off = u64(p + 8);
      const size = u64(p + 32);
      interpreter = buf.toString('latin1', off, off + size).replace(/\0+$/, '');
    } else if (type === PT_DYNAMIC) {
      hasDynamic = true;
    }
  }

  const sections = [];
  for (let i = 0; i < shnum && shoff; i++) {
    const s = shoff + i * shentsize;
    sections.push({
      type: u32(s + 4),
      offset: u64(s + 24),
      size: u64(s + 32),
      link: u32(s + 40),
      info: u32(s + 44),
      entsize: u64(s + 56),
    });
  }
  const needed = [];
  /** @type {Record<string,string[]>} */
  const versions = {};
  for (const sec of sections) {
    if (sec.type === SHT_DYNAMIC) {
      const strtab = sections[sec.link];
      if (!strtab) continue;
      for (let o = sec.offset; o + 16 <= sec.offset + sec.size; o += 16) {
        const tag = u64(o);
        if (tag === 0) break;
        if (tag === DT_NEEDED) needed.push(cstr(buf, strtab.offset + u64(o + 8)));
      }
    } else if (sec.type === SHT_GNU_VERNEED) {
      const strtab = sections[sec.link];
      if (!strtab) continue;
      let vn = sec.offset;
      for (let n = 0; n < sec.info; n++) {
        const cnt = u16(vn + 2);
        const file = cstr(buf, strtab.offset + u32(vn + 4));
        const list = (versions[file] ??= []);
        let aux = vn + u32(vn + 8);
        for (let a = 0; a < cnt; a++) {
          list.push(cstr(buf, strtab.offset + u32(aux + 8)));
          const next = u32(aux + 12);
          if (!next) break;
          aux += next;
        }
        const nextVn = u32(vn + 12);
        if (!nextVn) break;
        vn += nextVn;
      }
    }
  }
  for (const k of Object.keys(versions))
    versions[k] = [...new Set(versions[k])].sort(compareVersionNames);
  const glibc = Object.values(versions)
    .flat()
    .filter((v) => /^GLIBC_\d+(\.\d+)*$/.test(v))
    .sort(compareVersionNames);
  return {
    machine,
    type: TYPES[eType] ?? 'unknown',
    interpreter,
    static: !interpreter && !hasDynamic,
    needed,
    versions,
    maxGlibc: glibc.length ? glibc[glibc.length - 1].slice('GLIBC_'.length) : null,
  };
}

/**
 * Compare "GLIBC_2.17" < "GLIBC_2.34" numerically; other names by string.
 * @param {string} a
 * @param {string} b
 */
export function compareVersionNames(a, b) {
  const ma = /^(.*?_)(\d+(?:\.\d+)*)$/.exec(a);
  const mb = /^(.*?_)(\d+(?:\.\d+)*)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return compareDotted(ma[2], mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares dotted version numbers ("2.17" < "2.34" < "2.34.1").
 * @param {string} a
 * @param {string} b
 */
export function compareDotted(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** @param {string} file */
export async function readElfFile(file) {
  return readElf(await fsp.readFile(file));
}
