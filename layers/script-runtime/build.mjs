#!/usr/bin/env node
// Builds the script-runtime Lambda layer: pwsh (self-contained), bash-static, busybox find/xargs.
//
//   node layers/script-runtime/build.mjs --arch x86_64|arm64 [options]
//
// Options:
//   --arch x86_64|arm64          layer architecture (required)
//   --pwsh-tarball FILE          use the official release tarball at FILE instead of NuGet
//   --pwsh-tarball-sha256 HEX    expected SHA-256 of that tarball when inputs.json has none pinned
//   --download-pwsh              download the official tarball (needs internet; cached)
//   --no-r2r                     skip the ReadyToRun (crossgen2) step of the NuGet route
//   --out-dir DIR                default dist/layers
//   --cache-dir DIR              default .cache/layer (or $TIDEPOOL_LAYER_CACHE)
//   --keep-stage DIR             also leave the unpacked layer tree in DIR (replaced if present)
//   --quiet                      print only the final summary line
//
// See docs/layer.md.
import { Buffer } from 'node:buffer';
import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeZip, sha256File } from './zip.mjs';
import { readElf, isElf, compareDotted } from './elf.mjs';

const execFile = promisify(execFileCb);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const ARCHES = {
  x86_64: { rid: 'linux-x64', debArch: 'amd64', elf: 'x86_64', crossgen: 'x64' },
  arm64: { rid: 'linux-arm64', debArch: 'arm64', elf: 'aarch64', crossgen: 'arm64' },
};
const TFM = '.NETCoreApp,Version=v10.0';
const APPHOST_PLACEHOLDER = 'c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2';
// Runtime-pack natives scripts never need on Lambda: debugger/diagnostics support, LTTng
// tracing provider (needs liblttng, absent on AL2023), standalone GCs (only used when configured).
const DROP_NATIVES = new Set([
  'createdump',
  'libmscordaccore.so',
  'libmscordbi.so',
  'libcoreclrtraceptprovider.so',
  'libclrgc.so',
  'libclrgcexp.so',
]);

// ---------------------------------------------------------------- arguments and logging

function parseArgs(argv) {
  const opts = {
    arch: undefined,
    pwshTarball: undefined,
    pwshTarballSha256: undefined,
    downloadPwsh: false,
    r2r: true,
    outDir: path.join(REPO, 'dist/layers'),
    cacheDir: process.env.TIDEPOOL_LAYER_CACHE || path.join(REPO, '.cache/layer'),
    keepStage: undefined,
    quiet: false,
  };
  const need = (i) => {
    const v = argv[i + 1];
    if (v === undefined) throw usage(`${argv[i]} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => (inline !== undefined ? inline : need(i++));
    switch (flag) {
      case '--arch':
        opts.arch = value();
        break;
      case '--pwsh-tarball':
        opts.pwshTarball = path.resolve(value());
        break;
      case '--pwsh-tarball-sha256':
        opts.pwshTarballSha256 = value().toLowerCase();
        break;
      case '--download-pwsh':
        opts.downloadPwsh = true;
        break;
      case '--no-r2r':
        opts.r2r = false;
        break;
      case '--out-dir':
        opts.outDir = path.resolve(value());
        break;
      case '--cache-dir':
        opts.cacheDir = path.resolve(value());
        break;
      case '--keep-stage':
        opts.keepStage = path.resolve(value());
        break;
      case '--quiet':
        opts.quiet = true;
        break;
      case '-h':
      case '--help':
        throw usage('');
      default:
        throw usage(`unknown argument ${a}`);
    }
  }
  if (!opts.arch || !ARCHES[opts.arch]) throw usage('--arch must be x86_64 or arm64');
  if (opts.pwshTarball && opts.downloadPwsh)
    throw usage('--pwsh-tarball and --download-pwsh exclude each other');
  return opts;
}

function usage(msg) {
  const e = new Error(
    `${msg ? msg + '\n' : ''}usage: npm run build:layer -- --arch x86_64|arm64 [--pwsh-tarball FILE [--pwsh-tarball-sha256 HEX] | --download-pwsh] [--no-r2r] [--out-dir DIR] [--cache-dir DIR] [--keep-stage DIR] [--quiet]`
  );
  e.usage = true;
  return e;
}

let quiet = false;
const t0 = Date.now();
function log(msg) {
  if (!quiet) process.stderr.write(`[layer ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

// ---------------------------------------------------------------- helpers

async function run(cmd, args, options = {}) {
  try {
    return await execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (err) {
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}):\n${out}`);
  }
}

function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

async function verifySha(file, expected, what) {
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

async function rmrf(p) {
  await fsp.rm(p, { recursive: true, force: true });
}

async function copyDir(src, dest) {
  await fsp.cp(src, dest, { recursive: true, verbatimSymlinks: true });
}

/** All paths (files, dirs, symlinks) under root, relative, '/'-separated. */
async function walk(root, rel = '') {
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

function byteCompare(a, b) {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

// ---------------------------------------------------------------- NuGet inputs

function nugetDir(cacheDir, pkg) {
  const id = pkg.id.toLowerCase();
  return path.join(cacheDir, 'nuget', id, pkg.version.toLowerCase());
}

function nupkgFile(cacheDir, pkg) {
  const id = pkg.id.toLowerCase();
  const v = pkg.version.toLowerCase();
  return path.join(nugetDir(cacheDir, pkg), `${id}.${v}.nupkg`);
}

/** Restore the given packages into <cache>/nuget with `dotnet restore` (PackageDownload). */
async function ensureNuget(cacheDir, pkgs) {
  const missing = pkgs.filter(
    (p) =>
      !existsSync(nupkgFile(cacheDir, p)) ||
      !existsSync(path.join(nugetDir(cacheDir, p), '.nupkg.metadata'))
  );
  if (missing.length) {
    log(`restoring ${missing.map((p) => `${p.id} ${p.version}`).join(', ')} from NuGet`);
    const dir = path.join(cacheDir, 'restore');
    await fsp.mkdir(dir, { recursive: true });
    const items = missing
      .map((p) => `    <PackageDownload Include="${p.id}" Version="[${p.version}]" />`)
      .join('\n');
    await fsp.writeFile(
      path.join(dir, 'restore.csproj'),
      `<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n  </PropertyGroup>\n  <ItemGroup>\n${items}\n  </ItemGroup>\n</Project>\n`
    );
    await run(
      'dotnet',
      ['restore', '--packages', path.join(cacheDir, 'nuget'), path.join(dir, 'restore.csproj')],
      {
        cwd: dir,
        env: {
          ...process.env,
          DOTNET_CLI_TELEMETRY_OPTOUT: '1',
          DOTNET_NOLOGO: '1',
          DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
        },
      }
    ).catch((err) => {
      throw new Error(`${err.message}\n(is the .NET SDK installed and a NuGet source reachable?)`);
    });
  }
  const sources = [];
  for (const p of pkgs) {
    const file = nupkgFile(cacheDir, p);
    const sha = await verifySha(file, p.sha256, `NuGet package ${p.id} ${p.version}`);
    sources.push({
      kind: 'nuget',
      id: p.id,
      version: p.version,
      file: path.basename(file),
      sha256: sha,
    });
  }
  return sources;
}

// ---------------------------------------------------------------- pwsh from NuGet

/**
 * Turn the framework-dependent deps.json of the global tool into a self-contained one for `rid`:
 * RID-specific assets are flattened into the app directory (as `dotnet publish -r` does) and the
 * runtime pack is added as a library. Returns { deps, flatten: [relative source paths] }.
 */
function selfContainedDeps(deps, rid, runtimePack, runtimeFiles) {
  const rids = [rid, 'linux', 'unix', 'any'];
  const target = deps.targets[TFM];
  if (!target) throw new Error(`pwsh.deps.json has no target ${TFM}`);
  const flatten = [];
  const newTarget = {};
  for (const [lib, value] of Object.entries(target)) {
    const entry = { ...value };
    if (entry.runtimeTargets) {
      const best = new Map();
      for (const [p, asset] of Object.entries(entry.runtimeTargets)) {
        const rank = rids.indexOf(asset.rid);
        if (rank < 0) continue;
        const key = `${asset.assetType}/${path.posix.basename(p)}`;
        const prev = best.get(key);
        if (!prev || prev.rank > rank) best.set(key, { rank, p, asset });
      }
      delete entry.runtimeTargets;
      for (const { p, asset } of [...best.values()].sort((a, b) => byteCompare(a.p, b.p))) {
        const kind = asset.assetType;
        const rest = { ...asset };
        delete rest.rid;
        delete rest.assetType;
        entry[kind] = { ...(entry[kind] ?? {}) };
        if (kind === 'runtime') {
          // The RID-specific implementation replaces the portable one of the same file name.
          for (const q of Object.keys(entry.runtime)) {
            if (path.posix.basename(q) === path.posix.basename(p)) delete entry.runtime[q];
          }
        }
        entry[kind][p] = rest;
        flatten.push(p);
      }
    }
    newTarget[lib] = entry;
  }
  const packKey = `runtimepack.${runtimePack.id}/${runtimePack.version}`;
  newTarget[packKey] = {
    runtime: Object.fromEntries(runtimeFiles.managed.map((f) => [f, {}])),
    native: Object.fromEntries(runtimeFiles.native.map((f) => [f, {}])),
  };
  const out = {
    ...deps,
    runtimeTarget: { name: `${TFM}/${rid}`, signature: '' },
    targets: { [TFM]: {}, [`${TFM}/${rid}`]: newTarget },
    libraries: {
      ...deps.libraries,
      [packKey]: { type: 'runtimepack', serviceable: false, sha512: '' },
    },
  };
  return { deps: out, flatten };
}

async function pwshFromNuget(opts, inputs, arch, dest) {
  const a = ARCHES[arch];
  const n = inputs.powershell.nuget;
  const runtimePack = n.runtime[arch];
  const apphostPack = n.apphost[arch];
  const crossgen = opts.r2r ? n.crossgen2[process.arch] : undefined;
  if (opts.r2r && !crossgen) {
    throw new Error(
      `no crossgen2 package pinned for build host ${process.arch}; pin one or pass --no-r2r`
    );
  }
  const pkgs = [n.tool, runtimePack, apphostPack, ...(crossgen ? [crossgen] : [])];
  const sources = await ensureNuget(opts.cacheDir, pkgs);

  const toolDir = path.join(nugetDir(opts.cacheDir, n.tool), 'tools/net10.0/any/unix');
  const rtDir = path.join(nugetDir(opts.cacheDir, runtimePack), 'runtimes', a.rid);
  const hostDir = path.join(nugetDir(opts.cacheDir, apphostPack), 'runtimes', a.rid, 'native');

  log('assembling self-contained pwsh tree');
  await fsp.mkdir(dest, { recursive: true });
  for (const e of await fsp.readdir(toolDir, { withFileTypes: true })) {
    if (e.name === 'runtimes' || e.name.startsWith('Microsoft.PowerShell.GlobalTool.Shim'))
      continue;
    if (e.name === 'pwsh') continue; // framework-dependent apphost; replaced below
    await copyDir(path.join(toolDir, e.name), path.join(dest, e.name));
  }
  const managed = (await fsp.readdir(path.join(rtDir, 'lib/net10.0')))
    .filter((f) => f.endsWith('.dll'))
    .sort();
  const native = (await fsp.readdir(path.join(rtDir, 'native')))
    .filter((f) => !DROP_NATIVES.has(f))
    .sort();
  for (const f of managed)
    await fsp.copyFile(path.join(rtDir, 'lib/net10.0', f), path.join(dest, f));
  for (const f of native) await fsp.copyFile(path.join(rtDir, 'native', f), path.join(dest, f));

  const deps = JSON.parse(await fsp.readFile(path.join(toolDir, 'pwsh.deps.json'), 'utf8'));
  const sc = selfContainedDeps(deps, a.rid, runtimePack, { managed, native });
  for (const p of sc.flatten) {
    await fsp.copyFile(path.join(toolDir, p), path.join(dest, path.posix.basename(p)));
  }
  await fsp.writeFile(path.join(dest, 'pwsh.deps.json'), JSON.stringify(sc.deps, null, 2) + '\n');

  const rc = JSON.parse(await fsp.readFile(path.join(toolDir, 'pwsh.runtimeconfig.json'), 'utf8'));
  const ro = rc.runtimeOptions;
  delete ro.framework;
  delete ro.frameworks;
  delete ro.rollForwardOnNoCandidateFx;
  delete ro.rollForward;
  ro.includedFrameworks = [{ name: 'Microsoft.NETCore.App', version: runtimePack.version }];
  await fsp.writeFile(
    path.join(dest, 'pwsh.runtimeconfig.json'),
    JSON.stringify(rc, null, 2) + '\n'
  );

  // The apphost: the pack's generic one with the app's file name written over the placeholder.
  const host = await fsp.readFile(path.join(hostDir, 'apphost'));
  const ph = Buffer.from(APPHOST_PLACEHOLDER, 'utf8');
  const at = host.indexOf(ph);
  if (at < 0 || host.indexOf(ph, at + 1) >= 0)
    throw new Error('apphost: placeholder not found exactly once');
  const name = Buffer.alloc(ph.length);
  name.write('pwsh.dll', 'utf8');
  name.copy(host, at);
  await fsp.writeFile(path.join(dest, 'pwsh'), host, { mode: 0o755 });

  let r2r = null;
  if (crossgen) {
    r2r = await readyToRun(opts, inputs, arch, dest, sources);
  }
  return {
    route: 'nuget',
    description:
      'PowerShell global-tool package + .NET runtime pack + apphost assembled into a self-contained tree' +
      (r2r ? `; ${r2r.length} assemblies compiled ReadyToRun with crossgen2` : ''),
    sources,
    runtimeVersion: runtimePack.version,
    readyToRun: r2r,
  };
}

/** Compile the hot PowerShell assemblies ReadyToRun (the tool package ships IL only). Cached. */
async function readyToRun(opts, inputs, arch, tree, sources) {
  const a = ARCHES[arch];
  const n = inputs.powershell.nuget;
  const crossgen = n.crossgen2[process.arch];
  const exe = path.join(nugetDir(opts.cacheDir, crossgen), 'tools', 'crossgen2');
  const key = sha256(
    JSON.stringify({ arch, sources: sources.map((s) => s.sha256), list: n.readyToRun, v: 1 })
  ).slice(0, 16);
  const cache = path.join(opts.cacheDir, 'r2r', `${arch}-${key}`);
  const list = n.readyToRun;
  const have = list.every((f) => existsSync(path.join(cache, f)));
  if (!have) {
    log(`crossgen2 (ReadyToRun, ${a.crossgen}): ${list.length} assemblies`);
    const tmp = `${cache}.tmp-${process.pid}`;
    await rmrf(tmp);
    await fsp.mkdir(tmp, { recursive: true });
    for (const f of list) {
      await run(exe, [
        path.join(tree, f),
        '-o',
        path.join(tmp, f),
        '-r',
        path.join(tree, '*.dll'),
        '--targetos',
        'linux',
        '--targetarch',
        a.crossgen,
        '-O',
        '--parallelism',
        '2',
      ]);
    }
    await rmrf(cache);
    await fsp.rename(tmp, cache);
  }
  const out = [];
  for (const f of list) {
    await fsp.copyFile(path.join(cache, f), path.join(tree, f));
    out.push(f);
  }
  return out;
}

// ---------------------------------------------------------------- pwsh from the release tarball

async function pwshFromTarball(opts, inputs, arch, dest) {
  const t = inputs.powershell.tarball[arch];
  let file = opts.pwshTarball;
  if (opts.downloadPwsh) {
    file = path.join(opts.cacheDir, 'downloads', t.file);
    if (!existsSync(file)) {
      log(`downloading ${t.url}`);
      const res = await globalThis.fetch(t.url);
      if (!res.ok) throw new Error(`download ${t.url}: HTTP ${res.status}`);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(`${file}.part`, Buffer.from(await res.arrayBuffer()));
      await fsp.rename(`${file}.part`, file);
    }
  }
  const expected = t.sha256 ?? opts.pwshTarballSha256;
  if (t.sha256 && opts.pwshTarballSha256 && t.sha256 !== opts.pwshTarballSha256) {
    throw new Error('--pwsh-tarball-sha256 differs from the SHA-256 pinned in inputs.json');
  }
  const sha = await verifySha(file, expected, `PowerShell tarball ${t.file}`);
  log(`extracting ${path.basename(file)}`);
  await fsp.mkdir(dest, { recursive: true });
  await run('tar', ['-xzf', file, '-C', dest, '--no-same-owner']);
  if (!existsSync(path.join(dest, 'pwsh')))
    throw new Error(`${file}: no pwsh at the top of the tarball`);
  // Self-contained release trees carry the whole runtime: drop the same natives as the NuGet route.
  for (const f of DROP_NATIVES) await rmrf(path.join(dest, f));
  return {
    route: 'tarball',
    description: 'official PowerShell release tarball (self-contained, ReadyToRun)',
    sources: [
      {
        kind: 'tarball',
        file: path.basename(file),
        url: t.url,
        sha256: sha,
        pinned: Boolean(t.sha256),
      },
    ],
    runtimeVersion: null,
    readyToRun: null,
  };
}

/**
 * Bake the settings AL2023 needs into pwsh.runtimeconfig.json, so /opt/bin/pwsh starts there even
 * with no environment at all: no ICU -> invariant globalization; and
 * culture names still resolve (as invariant-like cultures), since PowerShell's own modules ask
 * for "en-US" (Import-LocalizedData in Microsoft.PowerShell.Archive fails otherwise).
 */
async function layerRuntimeDefaults(tree) {
  const file = path.join(tree, 'pwsh.runtimeconfig.json');
  const rc = JSON.parse(await fsp.readFile(file, 'utf8'));
  const props = (rc.runtimeOptions.configProperties ??= {});
  props['System.Globalization.Invariant'] = true;
  props['System.Globalization.PredefinedCulturesOnly'] = false;
  await fsp.writeFile(file, JSON.stringify(rc, null, 2) + '\n');
}

// ---------------------------------------------------------------- trimming

const CULTURE_DIR = /^[a-z]{2,3}(-[A-Za-z]{2,4})*$/;

/** Remove what scripts never use; return the removed relative paths' total size. */
async function trimPwsh(tree) {
  let removedBytes = 0;
  const removed = [];
  const all = await walk(tree);
  const names = new Set(all.map((e) => e.rel));
  for (const e of all) {
    if (!existsSync(path.join(tree, e.rel))) continue; // inside an already removed dir
    const base = path.posix.basename(e.rel);
    const top = !e.rel.includes('/');
    let drop = false;
    if (e.kind === 'dir' && top && CULTURE_DIR.test(base) && base !== 'ref' && base !== 'en-US') {
      drop = true; // satellite resource folders: with invariant globalization only neutral resources load
    } else if (e.kind === 'file') {
      if (base.endsWith('.pdb')) drop = true;
      else if (/-help\.xml$/i.test(base) || /^about_.*\.help\.txt$/i.test(base))
        drop = true; // Get-Help content
      else if (base.endsWith('.xml') && names.has(e.rel.replace(/\.xml$/, '.dll')))
        drop = true; // IntelliSense docs
      else if (
        /\.(md|nupkg)$/i.test(base) ||
        base === 'build.manifest' ||
        base === 'build.manifest.sig'
      )
        drop = true;
    }
    if (drop) {
      const full = path.join(tree, e.rel);
      removedBytes += await sizeOf(full);
      removed.push(e.rel);
      await rmrf(full);
    }
  }
  return { removed, removedBytes };
}

async function sizeOf(p) {
  const st = await fsp.lstat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await fsp.readdir(p)) total += await sizeOf(path.join(p, e));
  return total;
}

/** Drop deps.json entries whose files were trimmed (or never shipped) so the host sees a true list. */
async function pruneDeps(tree) {
  const file = path.join(tree, 'pwsh.deps.json');
  const deps = JSON.parse(await fsp.readFile(file, 'utf8'));
  for (const target of Object.values(deps.targets)) {
    for (const lib of Object.values(target)) {
      for (const kind of ['runtime', 'native', 'resources']) {
        if (!lib[kind]) continue;
        for (const p of Object.keys(lib[kind])) {
          const local =
            kind === 'resources'
              ? path.join(tree, lib[kind][p].locale ?? '', path.posix.basename(p))
              : path.join(tree, path.posix.basename(p));
          if (!existsSync(local)) delete lib[kind][p];
        }
        if (Object.keys(lib[kind]).length === 0) delete lib[kind];
      }
    }
  }
  await fsp.writeFile(file, JSON.stringify(deps, null, 2) + '\n');
}

// ---------------------------------------------------------------- Debian inputs

async function ensureDeb(opts, name, pin, debArch) {
  const version = pin.version;
  const expected = pin.sha256[debArch];
  const dir = path.join(opts.cacheDir, 'debs');
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}_${version.replace(/^\d+:/, '')}_${debArch}.deb`);
  if (!existsSync(file)) {
    log(`apt-get download ${name}:${debArch}=${version}`);
    const tmp = path.join(dir, `tmp-${process.pid}`);
    await rmrf(tmp);
    await fsp.mkdir(tmp, { recursive: true });
    try {
      await run('apt-get', ['download', '-q', `${name}:${debArch}=${version}`], { cwd: tmp });
    } catch (err) {
      throw new Error(
        `${err.message}\n(run scripts/install-layer-deps.sh once: it enables the ${debArch} architecture and updates the package lists; if the version is gone from the mirror, bump it in layers/script-runtime/inputs.json)`
      );
    }
    const got = (await fsp.readdir(tmp)).filter((f) => f.endsWith('.deb'));
    if (got.length !== 1)
      throw new Error(`apt-get download ${name}: expected one .deb, got ${got.join(', ')}`);
    await fsp.rename(path.join(tmp, got[0]), file);
    await rmrf(tmp);
  }
  const sha = await verifySha(file, expected, `Debian package ${name} ${version} ${debArch}`);
  return {
    kind: 'deb',
    package: name,
    version,
    arch: debArch,
    file: path.basename(file),
    sha256: sha,
  };
}

async function extractDeb(file, dest) {
  await fsp.mkdir(dest, { recursive: true });
  await run('dpkg-deb', ['-x', file, dest]);
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  quiet = opts.quiet;
  const arch = opts.arch;
  const a = ARCHES[arch];
  const inputs = JSON.parse(await fsp.readFile(path.join(HERE, 'inputs.json'), 'utf8'));
  await fsp.mkdir(opts.cacheDir, { recursive: true });
  const stage = await fsp.mkdtemp(path.join(opts.cacheDir, `stage-${arch}-`));
  try {
    const root = path.join(stage, 'layer');
    await fsp.mkdir(path.join(root, 'bin'), { recursive: true });

    // pwsh
    const psDir = path.join(root, 'powershell');
    const pwsh =
      opts.pwshTarball || opts.downloadPwsh
        ? await pwshFromTarball(opts, inputs, arch, psDir)
        : await pwshFromNuget(opts, inputs, arch, psDir);
    await layerRuntimeDefaults(psDir);
    const trimmed = await trimPwsh(psDir);
    await pruneDeps(psDir);
    log(
      `trimmed ${trimmed.removed.length} paths (${(trimmed.removedBytes / 1e6).toFixed(1)} MB) from the pwsh tree`
    );
    await fsp.symlink('../powershell/pwsh', path.join(root, 'bin/pwsh'));

    // bash-static and busybox (find, xargs)
    const deb = inputs.debian;
    const bashSrc = await ensureDeb(opts, 'bash-static', deb['bash-static'], a.debArch);
    const bbSrc = await ensureDeb(opts, 'busybox-static', deb['busybox-static'], a.debArch);
    const x = path.join(stage, 'debs');
    await extractDeb(path.join(opts.cacheDir, 'debs', bashSrc.file), path.join(x, 'bash'));
    await extractDeb(path.join(opts.cacheDir, 'debs', bbSrc.file), path.join(x, 'busybox'));
    await fsp.copyFile(path.join(x, 'bash/bin/bash-static'), path.join(root, 'bin/bash'));
    await fsp.mkdir(path.join(root, 'libexec'), { recursive: true });
    await fsp.copyFile(path.join(x, 'busybox/bin/busybox'), path.join(root, 'libexec/busybox'));
    for (const applet of deb['busybox-static'].applets) {
      await fsp.symlink('../libexec/busybox', path.join(root, 'bin', applet));
    }

    // licences
    const lic = path.join(root, 'share/licenses');
    const copyLicense = async (from, to) => {
      if (existsSync(from)) {
        await fsp.mkdir(path.dirname(path.join(lic, to)), { recursive: true });
        await fsp.copyFile(from, path.join(lic, to));
      }
    };
    await copyLicense(
      path.join(x, 'bash/usr/share/doc/bash-static/copyright'),
      'bash-static/copyright'
    );
    await copyLicense(
      path.join(x, 'busybox/usr/share/doc/busybox-static/copyright'),
      'busybox-static/copyright'
    );
    if (pwsh.route === 'nuget') {
      const rtPkg = nugetDir(opts.cacheDir, inputs.powershell.nuget.runtime[arch]);
      await copyLicense(path.join(rtPkg, 'LICENSE.TXT'), 'dotnet-runtime/LICENSE.TXT');
      await copyLicense(
        path.join(rtPkg, 'THIRD-PARTY-NOTICES.TXT'),
        'dotnet-runtime/THIRD-PARTY-NOTICES.TXT'
      );
    }

    // Versions file inside the layer (what the worker can read without running anything).
    const layerInfo = {
      name: 'script-runtime',
      arch,
      pwsh: {
        version: inputs.powershell.version,
        route: pwsh.route,
        dotnetRuntime: pwsh.runtimeVersion,
      },
      bash: { package: 'bash-static', version: deb['bash-static'].version },
      busybox: {
        package: 'busybox-static',
        version: deb['busybox-static'].version,
        applets: deb['busybox-static'].applets,
      },
    };
    await fsp.mkdir(path.join(root, 'share/tidepool'), { recursive: true });
    await fsp.writeFile(
      path.join(root, 'share/tidepool/layer.json'),
      JSON.stringify(layerInfo, null, 2) + '\n'
    );

    // Inventory: sorted entries, normalized modes, ELF checks.
    log('hashing and checking binaries');
    const all = (await walk(root)).sort((p, q) => byteCompare(p.rel, q.rel));
    const entries = [];
    const files = [];
    const problems = [];
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
    const findFile = (p) => files.find((f) => f.path === p);
    for (const must of ['bin/bash', 'powershell/pwsh', 'powershell/pwsh.dll', 'libexec/busybox']) {
      if (!findFile(must)) throw new Error(`layer is missing ${must}`);
    }
    if (!findFile('bin/bash').elf?.static) throw new Error('bin/bash is not a static executable');
    if (!findFile('libexec/busybox').elf?.static)
      throw new Error('libexec/busybox is not a static executable');

    // Zip
    await fsp.mkdir(opts.outDir, { recursive: true });
    const zipName = `script-runtime-${arch}.zip`;
    const zipPath = path.join(opts.outDir, zipName);
    log(`writing ${path.relative(process.cwd(), zipPath)} (${entries.length} entries)`);
    const tmpZip = `${zipPath}.tmp-${process.pid}`;
    const zip = await writeZip(tmpZip, entries, { level: 9, concurrency: 2 });
    await fsp.rename(tmpZip, zipPath);

    const manifest = {
      name: 'script-runtime',
      arch,
      elfMachine: a.elf,
      zip: { file: zipName, sha256: zip.sha256, bytes: zip.bytes, entries: zip.entries },
      unzippedBytes: zip.unzippedBytes,
      budget: {
        lambdaUnzippedLimitBytes: inputs.limits.lambdaUnzippedBytes,
        layerUnzippedBytes: zip.unzippedBytes,
        leftForFunctionAndOtherLayersBytes: inputs.limits.lambdaUnzippedBytes - zip.unzippedBytes,
      },
      glibc: { max: inputs.limits.glibcMax, maxRequired: maxGlibcSeen },
      pwsh: {
        version: inputs.powershell.version,
        route: pwsh.route,
        description: pwsh.description,
        dotnetRuntime: pwsh.runtimeVersion,
        readyToRun: pwsh.readyToRun,
        sources: pwsh.sources,
        trimmed: { paths: trimmed.removed.length, bytes: trimmed.removedBytes },
      },
      bash: { version: deb['bash-static'].version, source: bashSrc },
      busybox: {
        version: deb['busybox-static'].version,
        applets: deb['busybox-static'].applets,
        source: bbSrc,
      },
      binaries: [
        {
          path: 'bin/pwsh',
          target: 'powershell/pwsh',
          sha256: findFile('powershell/pwsh').sha256,
          from: pwsh.sources.map((s) => s.file),
        },
        {
          path: 'bin/bash',
          sha256: findFile('bin/bash').sha256,
          from: [bashSrc.file],
          member: 'bin/bash-static',
        },
        ...deb['busybox-static'].applets.map((ap) => ({
          path: `bin/${ap}`,
          target: 'libexec/busybox',
          sha256: findFile('libexec/busybox').sha256,
          from: [bbSrc.file],
          member: 'bin/busybox',
        })),
      ],
      build: { node: process.versions.node, zlib: process.versions.zlib, zipLevel: 9 },
      files,
    };
    const manifestPath = path.join(opts.outDir, `script-runtime-${arch}.json`);
    await fsp.writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');

    if (opts.keepStage) {
      await rmrf(opts.keepStage);
      await fsp.mkdir(path.dirname(opts.keepStage), { recursive: true });
      await fsp.rename(root, opts.keepStage);
    }
    const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
    process.stdout.write(
      `script-runtime-${arch}: ${mb(zip.bytes)} zipped, ${mb(zip.unzippedBytes)} unzipped, sha256 ${zip.sha256}, pwsh ${inputs.powershell.version} (${pwsh.route}), ${((Date.now() - t0) / 1000).toFixed(1)} s\n`
    );
  } finally {
    await rmrf(stage);
  }
}

main().catch((err) => {
  process.stderr.write(`build-layer: ${err.message}\n`);
  process.exit(err.usage ? 2 : 1);
});
