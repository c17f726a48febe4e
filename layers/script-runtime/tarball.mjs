// @ts-check
// pwsh from the official release tarball: a local file, or downloaded into the cache.
import { Buffer } from 'node:buffer';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { log, rmrf, run, verifySha } from './common.mjs';
import { DROP_NATIVES } from './pwsh-tree.mjs';

/**
 * @param {import('./args.mjs').Options} opts
 * @param {import('./common.mjs').Inputs} inputs
 * @param {import('./common.mjs').Arch} arch
 * @param {string} dest the tree's directory (created)
 * @returns {Promise<import('./common.mjs').PwshTree>}
 */
export async function pwshFromTarball(opts, inputs, arch, dest) {
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
  if (file === undefined) throw new Error('no tarball: give --pwsh-tarball or --download-pwsh');
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
