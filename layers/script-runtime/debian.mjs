// @ts-check
// bash-static and busybox-static from Debian: `apt-get download` into the cache, checked
// against inputs.json, then unpacked.
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { log, rmrf, run, verifySha } from './common.mjs';

/**
 * The package's .deb in the cache, fetched when missing; its pin is checked either way.
 * @param {import('./args.mjs').Options} opts
 * @param {string} name
 * @param {import('./common.mjs').DebPin} pin
 * @param {string} debArch
 * @returns {Promise<import('./common.mjs').Source & { kind: 'deb' }>}
 */
export async function ensureDeb(opts, name, pin, debArch) {
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
        `${/** @type {Error} */ (err).message}\n(run scripts/install-layer-deps.sh once: it enables the ${debArch} architecture and updates the package lists; if the version is gone from the mirror, bump it in layers/script-runtime/inputs.json)`
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

/**
 * @param {string} file
 * @param {string} dest
 */
export async function extractDeb(file, dest) {
  await fsp.mkdir(dest, { recursive: true });
  await run('dpkg-deb', ['-x', file, dest]);
}
