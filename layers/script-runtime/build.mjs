#!/usr/bin/env node
// @ts-check
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
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { parseArgs } from './args.mjs';
import { ARCHES, HERE, elapsed, log, rmrf, setQuiet } from './common.mjs';
import { ensureDeb, extractDeb } from './debian.mjs';
import { inventoryOf } from './inventory.mjs';
import { manifestOf } from './manifest.mjs';
import { nugetDir, pwshFromNuget } from './nuget.mjs';
import { layerRuntimeDefaults, pruneDeps, trimPwsh } from './pwsh-tree.mjs';
import { pwshFromTarball } from './tarball.mjs';
import { writeZip } from './zip.mjs';

/**
 * @typedef {import('./args.mjs').Options} Options
 * @typedef {import('./common.mjs').Inputs} Inputs
 * @typedef {import('./common.mjs').PwshTree} PwshTree
 */

/**
 * powershell/ and bin/pwsh: from the tarball or NuGet, with the AL2023 settings, trimmed.
 * @param {Options} opts
 * @param {Inputs} inputs
 * @param {string} root
 */
async function addPwsh(opts, inputs, root) {
  const arch = opts.arch;
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
  return { pwsh, trimmed };
}

/**
 * bin/bash from bash-static; libexec/busybox from busybox-static, with its applets in bin/.
 * @param {Options} opts
 * @param {Inputs} inputs
 * @param {string} stage where the packages are unpacked
 * @param {string} root
 */
async function addBashAndBusybox(opts, inputs, stage, root) {
  const a = ARCHES[opts.arch];
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
  return { bashSrc, bbSrc, unpacked: x };
}

/**
 * share/licenses/: the Debian packages' copyright files and the .NET runtime pack's.
 * @param {Options} opts
 * @param {Inputs} inputs
 * @param {PwshTree['route']} route
 * @param {string} unpacked where the Debian packages were unpacked
 * @param {string} root
 */
async function addLicenses(opts, inputs, route, unpacked, root) {
  const lic = path.join(root, 'share/licenses');
  const copyLicense = async (/** @type {string} */ from, /** @type {string} */ to) => {
    if (existsSync(from)) {
      await fsp.mkdir(path.dirname(path.join(lic, to)), { recursive: true });
      await fsp.copyFile(from, path.join(lic, to));
    }
  };
  await copyLicense(
    path.join(unpacked, 'bash/usr/share/doc/bash-static/copyright'),
    'bash-static/copyright'
  );
  await copyLicense(
    path.join(unpacked, 'busybox/usr/share/doc/busybox-static/copyright'),
    'busybox-static/copyright'
  );
  if (route === 'nuget') {
    const rtPkg = nugetDir(opts.cacheDir, inputs.powershell.nuget.runtime[opts.arch]);
    await copyLicense(path.join(rtPkg, 'LICENSE.TXT'), 'dotnet-runtime/LICENSE.TXT');
    await copyLicense(
      path.join(rtPkg, 'THIRD-PARTY-NOTICES.TXT'),
      'dotnet-runtime/THIRD-PARTY-NOTICES.TXT'
    );
  }
}

/**
 * share/tidepool/layer.json: what the worker can read without running anything.
 * @param {Inputs} inputs
 * @param {Options['arch']} arch
 * @param {PwshTree} pwsh
 * @param {string} root
 */
async function writeLayerInfo(inputs, arch, pwsh, root) {
  const deb = inputs.debian;
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
}

/**
 * <out>/script-runtime-<arch>.zip, written beside and renamed, so a reader never sees half.
 * @param {Options} opts
 * @param {import('./zip.mjs').ZipEntry[]} entries
 */
async function writeLayerZip(opts, entries) {
  await fsp.mkdir(opts.outDir, { recursive: true });
  const zipName = `script-runtime-${opts.arch}.zip`;
  const zipPath = path.join(opts.outDir, zipName);
  log(`writing ${path.relative(process.cwd(), zipPath)} (${entries.length} entries)`);
  const tmpZip = `${zipPath}.tmp-${process.pid}`;
  const zip = await writeZip(tmpZip, entries, { level: 9, concurrency: 2 });
  await fsp.rename(tmpZip, zipPath);
  return { zip, zipName };
}

/**
 * --keep-stage: the unpacked tree moves to `dir`, replacing what was there.
 * @param {string} root
 * @param {string} dir
 */
async function keepStage(root, dir) {
  await rmrf(dir);
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  await fsp.rename(root, dir);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  setQuiet(opts.quiet);
  const arch = opts.arch;
  /** @type {Inputs} */
  const inputs = JSON.parse(await fsp.readFile(path.join(HERE, 'inputs.json'), 'utf8'));
  await fsp.mkdir(opts.cacheDir, { recursive: true });
  const stage = await fsp.mkdtemp(path.join(opts.cacheDir, `stage-${arch}-`));
  try {
    const root = path.join(stage, 'layer');
    await fsp.mkdir(path.join(root, 'bin'), { recursive: true });
    const { pwsh, trimmed } = await addPwsh(opts, inputs, root);
    const { bashSrc, bbSrc, unpacked } = await addBashAndBusybox(opts, inputs, stage, root);
    await addLicenses(opts, inputs, pwsh.route, unpacked, root);
    await writeLayerInfo(inputs, arch, pwsh, root);
    const inventory = await inventoryOf(root, arch, inputs);
    const { zip, zipName } = await writeLayerZip(opts, inventory.entries);
    const manifest = manifestOf({
      arch,
      inputs,
      zip,
      zipName,
      pwsh,
      trimmed,
      bashSrc,
      bbSrc,
      inventory,
    });
    const manifestPath = path.join(opts.outDir, `script-runtime-${arch}.json`);
    await fsp.writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    if (opts.keepStage) await keepStage(root, opts.keepStage);
    const mb = (/** @type {number} */ n) => `${(n / 1e6).toFixed(1)} MB`;
    process.stdout.write(
      `script-runtime-${arch}: ${mb(zip.bytes)} zipped, ${mb(zip.unzippedBytes)} unzipped, sha256 ${zip.sha256}, pwsh ${inputs.powershell.version} (${pwsh.route}), ${elapsed()} s\n`
    );
  } finally {
    await rmrf(stage);
  }
}

main().catch((err) => {
  process.stderr.write(`build-layer: ${err.message}\n`);
  process.exit(err.usage ? 2 : 1);
});
