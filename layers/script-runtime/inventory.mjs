// @ts-check
// The layer tree as the zip and the manifest see it: sorted entries with normalised modes, every
// file's hash, and the ELF checks (architecture, glibc ceiling, static bash and busybox).
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ARCHES, byteCompare, log, sha256, walk } from './common.mjs';
import { compareDotted, isElf, readElf } from './elf.mjs';

/**
 * @typedef {{ machine: string, static: boolean, interpreter: string | null, needed: string[],
 *   maxGlibc: string | null }} ElfSummary
 * @typedef {{ path: string, size: number, sha256: string, mode: string, elf?: ElfSummary }} FileRecord
 * @typedef {{ path: string, symlink: string }} LinkRecord
 * @typedef {object} Inventory
 * @property {import('./zip.mjs').ZipEntry[]} entries what the zip holds, in its order
 * @property {Array<FileRecord | LinkRecord>} files the manifest's `files`
 * @property {string | null} maxGlibcSeen the newest glibc symbol version any binary needs
 * @property {(path: string) => FileRecord} fileOf a regular file's record
 */

/**
 * Inventories the tree at `root`; throws when a check fails.
 * @param {string} root
 * @param {import('./common.mjs').Arch} arch
 * @param {import('./common.mjs').Inputs} inputs
 * @returns {Promise<Inventory>}
 */
export async function inventoryOf(root, arch, inputs) {
  const a = ARCHES[arch];
  log('hashing and checking binaries');
  const all = (await walk(root)).sort((p, q) => byteCompare(p.rel, q.rel));
  /** @type {import('./zip.mjs').ZipEntry[]} */
  const entries = [];
  /** @type {Array<FileRecord | LinkRecord>} */
  const files = [];
  /** @type {string[]} */
  const problems = [];
  /** @type {string | null} */
  let maxGlibcSeen = null;
  for (const e of all) {
    const full = path.join(root, e.rel);
    if (e.kind === 'dir') {
      entries.push({ name: e.rel, type: 'dir', mode: 0o755 });
    } else if (e.kind === 'symlink') {
      const target = await fsp.readlink(full);
      entries.push({ name: e.rel, type: 'symlink', target });
      files.push({ path: e.rel, symlink: target });
    } else {
      const buf = await fsp.readFile(full);
      const elf = isElf(buf) ? readElf(buf) : null;
      const script = buf.length > 2 && buf[0] === 0x23 && buf[1] === 0x21;
      const mode = elf || script ? 0o755 : 0o644;
      entries.push({ name: e.rel, type: 'file', source: full, mode });
      /** @type {FileRecord} */
      const rec = {
        path: e.rel,
        size: buf.length,
        sha256: sha256(buf),
        mode: `0${mode.toString(8)}`,
      };
      if (elf) {
        rec.elf = {
          machine: elf.machine,
          static: elf.static,
          interpreter: elf.interpreter,
          needed: elf.needed,
          maxGlibc: elf.maxGlibc,
        };
        if (elf.machine !== a.elf)
          problems.push(`${e.rel}: ELF machine ${elf.machine}, expected ${a.elf}`);
        if (elf.maxGlibc && compareDotted(elf.maxGlibc, inputs.limits.glibcMax) > 0) {
          problems.push(
            `${e.rel}: needs GLIBC_${elf.maxGlibc} > ${inputs.limits.glibcMax} (Amazon Linux 2023)`
          );
        }
        if (elf.maxGlibc && (!maxGlibcSeen || compareDotted(elf.maxGlibc, maxGlibcSeen) > 0)) {
          maxGlibcSeen = elf.maxGlibc;
        }
      }
      files.push(rec);
    }
  }
  if (problems.length) throw new Error(`layer checks failed:\n  ${problems.join('\n  ')}`);
  /** @param {string} p */
  const fileOf = (p) => {
    const found = files.find((f) => f.path === p);
    if (!found || !('sha256' in found)) throw new Error(`layer is missing ${p}`);
    return found;
  };
  for (const must of ['bin/bash', 'powershell/pwsh', 'powershell/pwsh.dll', 'libexec/busybox']) {
    fileOf(must);
  }
  if (!fileOf('bin/bash').elf?.static) throw new Error('bin/bash is not a static executable');
  if (!fileOf('libexec/busybox').elf?.static)
    throw new Error('libexec/busybox is not a static executable');
  return { entries, files, maxGlibcSeen, fileOf };
}
