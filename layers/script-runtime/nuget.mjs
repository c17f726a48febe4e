// @ts-check
// pwsh from NuGet: the PowerShell global-tool package, the .NET runtime pack and the apphost
// assembled into a self-contained tree, optionally compiled ReadyToRun (docs/layer.md).
import { Buffer } from 'node:buffer';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { ARCHES, byteCompare, copyDir, log, rmrf, run, sha256, verifySha } from './common.mjs';
import { DROP_NATIVES } from './pwsh-tree.mjs';

/**
 * @typedef {import('./common.mjs').Arch} Arch
 * @typedef {import('./common.mjs').Inputs} Inputs
 * @typedef {import('./common.mjs').NugetPin} NugetPin
 * @typedef {import('./common.mjs').PwshTree} PwshTree
 * @typedef {import('./common.mjs').Source} Source
 * @typedef {import('./args.mjs').Options} Options
 * @typedef {import('./pwsh-tree.mjs').DepsAsset} DepsAsset
 * @typedef {import('./pwsh-tree.mjs').DepsJson} DepsJson
 * @typedef {import('./pwsh-tree.mjs').DepsLibrary} DepsLibrary
 */

const TFM = '.NETCoreApp,Version=v10.0';
const APPHOST_PLACEHOLDER = 'c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2';

/**
 * Where `dotnet restore --packages` puts a package.
 * @param {string} cacheDir
 * @param {NugetPin} pkg
 */
export function nugetDir(cacheDir, pkg) {
  const id = pkg.id.toLowerCase();
  return path.join(cacheDir, 'nuget', id, pkg.version.toLowerCase());
}

/**
 * @param {string} cacheDir
 * @param {NugetPin} pkg
 */
function nupkgFile(cacheDir, pkg) {
  const id = pkg.id.toLowerCase();
  const v = pkg.version.toLowerCase();
  return path.join(nugetDir(cacheDir, pkg), `${id}.${v}.nupkg`);
}

/**
 * Restore the given packages into <cache>/nuget with `dotnet restore` (PackageDownload).
 * @param {string} cacheDir
 * @param {NugetPin[]} pkgs
 * @returns {Promise<Source[]>}
 */
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
    ).catch((/** @type {Error} */ err) => {
      throw new Error(`${err.message}\n(is the .NET SDK installed and a NuGet source reachable?)`);
    });
  }
  /** @type {Source[]} */
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

/**
 * Turn the framework-dependent deps.json of the global tool into a self-contained one for `rid`:
 * RID-specific assets are flattened into the app directory (as `dotnet publish -r` does) and the
 * runtime pack is added as a library. Returns { deps, flatten: [relative source paths] }.
 * @param {DepsJson} deps
 * @param {string} rid
 * @param {NugetPin} runtimePack
 * @param {{ managed: string[], native: string[] }} runtimeFiles
 */
function selfContainedDeps(deps, rid, runtimePack, runtimeFiles) {
  const rids = [rid, 'linux', 'unix', 'any'];
  const target = deps.targets[TFM];
  if (!target) throw new Error(`pwsh.deps.json has no target ${TFM}`);
  /** @type {string[]} */
  const flatten = [];
  /** @type {Record<string, DepsLibrary>} */
  const newTarget = {};
  for (const [lib, value] of Object.entries(target)) {
    const entry = { ...value };
    if (entry.runtimeTargets) {
      /** @type {Map<string, { rank: number, p: string, asset: DepsAsset }>} */
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

/**
 * @param {Options} opts
 * @param {Inputs} inputs
 * @param {Arch} arch
 * @param {string} dest the tree's directory (created)
 * @returns {Promise<PwshTree>}
 */
export async function pwshFromNuget(opts, inputs, arch, dest) {
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

  /** @type {DepsJson} */
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
    r2r = await readyToRun(opts, inputs, arch, dest, sources, crossgen);
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

/**
 * Compile the hot PowerShell assemblies ReadyToRun (the tool package ships IL only). Cached.
 * @param {Options} opts
 * @param {Inputs} inputs
 * @param {Arch} arch
 * @param {string} tree
 * @param {Source[]} sources the inputs the compiled code depends on (the cache key)
 * @param {NugetPin} crossgen the build host's crossgen2 package
 */
async function readyToRun(opts, inputs, arch, tree, sources, crossgen) {
  const a = ARCHES[arch];
  const n = inputs.powershell.nuget;
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
