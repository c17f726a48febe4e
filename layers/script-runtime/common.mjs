// @ts-check
// What the layer build's steps share: the architectures, the progress log, running a tool,
// hashes and file trees.
import { Buffer } from 'node:buffer';
import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sha256File } from './zip.mjs';

const execFile = promisify(execFileCb);
export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');

/** @typedef {'x86_64' | 'arm64'} Arch */
/** @typedef {{ id: string, version: string, sha256: string }} NugetPin */
/** @typedef {{ version: string, sha256: Record<string, string> }} DebPin */

/**
 * inputs.json: every pinned version and SHA-256.
 * @typedef {object} Inputs
 * @property {{
 *   version: string,
 *   nuget: {
 *     tool: NugetPin,
 *     runtime: Record<Arch, NugetPin>,
 *     apphost: Record<Arch, NugetPin>,
 *     crossgen2: Record<string, NugetPin | undefined>,
 *     readyToRun: string[],
 *   },
 *   tarball: Record<Arch, { file: string, url: string, sha256: string | null }>,
 * }} powershell
 * @property {{ 'bash-static': DebPin, 'busybox-static': DebPin & { applets: string[] } }} debian
 * @property {{ glibcMax: string, lambdaUnzippedBytes: number }} limits
 */

/**
 * Where a part of the layer came from, as the manifest records it.
 * @typedef {{ kind: 'nuget', id: string, version: string, file: string, sha256: string }
 *   | { kind: 'tarball', file: string, url: string, sha256: string, pinned: boolean }
 *   | { kind: 'deb', package: string, version: string, arch: string, file: string, sha256: string }} Source
 */

/**
 * A pwsh tree as one route made it, for the manifest.
 * @typedef {object} PwshTree
 * @property {'nuget' | 'tarball'} route
 * @property {string} description
 * @property {Source[]} sources
 * @property {string | null} runtimeVersion the .NET runtime pack's version (NuGet route)
 * @property {string[] | null} readyToRun the assemblies compiled ReadyToRun (NuGet route)
 */

/** @typedef {{ rel: string, kind: 'file' | 'dir' | 'symlink' }} TreeEntry */

/** @type {Record<Arch, { rid: string, debArch: string, elf: string, crossgen: string }>} */
export const ARCHES = {
  x86_64: { rid: 'linux-x64', debArch: 'amd64', elf: 'x86_64', crossgen: 'x64' },
  arm64: { rid: 'linux-arm64', debArch: 'arm64', elf: 'aarch64', crossgen: 'arm64' },
};

let quiet = false;
const t0 = Date.now();

/** @param {boolean} value */
export function setQuiet(value) {
  quiet = value;
}

/** Seconds since the build started, as the log and the summary print them. */
export function elapsed() {
  return ((Date.now() - t0) / 1000).toFixed(1);
}

/** @param {string} msg */
export function log(msg) {
  if (!quiet) process.stderr.write(`[layer ${elapsed()}s] ${msg}\n`);
}

/**
 * Runs a tool; its failure says what ran and the last lines it printed.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').ExecFileOptions} [options]
 */
export async function run(cmd, args, options = {}) {
  try {
    return await execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (caught) {
    const err =
      /** @type {NodeJS.ErrnoException & { stdout?: string, stderr?: string, signal?: string }} */ (
        caught
      );
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}):\n${out}`);
  }
}

/** @param {import('node:crypto').BinaryLike} buf */
export function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * @param {string} file
 * @param {string | null | undefined} expected the pinned SHA-256; none pinned fails, naming the actual one
 * @param {string} what
 */
export async function verifySha(file, expected, what) {
  const actual = await sha256File(file);
  if (!expected) {
    throw new Error(`${what}: no SHA-256 pinned; its SHA-256 is ${actual}`);
  }
  if (actual !== expected) {
    throw new Error(
      `${what}: SHA-256 mismatch for ${file}\n  expected ${expected}\n  actual   ${actual}`
    );
  }
  return actual;
}

/** @param {string} p */
export async function rmrf(p) {
  await fsp.rm(p, { recursive: true, force: true });
}

/**
 * @param {string} src
 * @param {string} dest
 */
export async function copyDir(src, dest) {
  await fsp.cp(src, dest, { recursive: true, verbatimSymlinks: true });
}

/**
 * All paths (files, dirs, symlinks) under root, relative, '/'-separated.
 * @param {string} root
 * @returns {Promise<TreeEntry[]>}
 */
export async function walk(root, rel = '') {
  /** @type {TreeEntry[]} */
  const out = [];
  const entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) out.push({ rel: r, kind: 'symlink' });
    else if (e.isDirectory()) {
      out.push({ rel: r, kind: 'dir' });
      out.push(...(await walk(root, r)));
    } else if (e.isFile()) out.push({ rel: r, kind: 'file' });
    else throw new Error(`unsupported file type: ${r}`);
  }
  return out;
}

/**
 * Orders paths by their UTF-8 bytes, as the zip lists them.
 * @param {string} a
 * @param {string} b
 */
export function byteCompare(a, b) {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}
