// @ts-check
// The pwsh tree, whichever route made it: the settings AL2023 needs, and trimming what scripts
// never use.
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { rmrf, walk } from './common.mjs';

/**
 * What this build reads and writes of a `.deps.json`: per target, per library, per asset kind
 * (runtime, native, resources, runtimeTargets), each asset path with its string fields.
 * @typedef {Record<string, string>} DepsAsset
 * @typedef {Record<string, Record<string, DepsAsset>>} DepsLibrary
 * @typedef {{ targets: Record<string, Record<string, DepsLibrary>>, libraries: Record<string, unknown> }} DepsJson
 */

// Runtime-pack natives scripts never need on Lambda: debugger/diagnostics support, LTTng
// tracing provider (needs liblttng, absent on AL2023), standalone GCs (only used when configured).
export const DROP_NATIVES = new Set([
  'createdump',
  'libmscordaccore.so',
  'libmscordbi.so',
  'libcoreclrtraceptprovider.so',
  'libclrgc.so',
  'libclrgcexp.so',
]);

/**
 * Bake the settings AL2023 needs into pwsh.runtimeconfig.json, so /opt/bin/pwsh starts there even
 * with no environment at all: no ICU -> invariant globalization; and
 * culture names still resolve (as invariant-like cultures), since PowerShell's own modules ask
 * for "en-US" (Import-LocalizedData in Microsoft.PowerShell.Archive fails otherwise).
 * @param {string} tree
 */
export async function layerRuntimeDefaults(tree) {
  const file = path.join(tree, 'pwsh.runtimeconfig.json');
  const rc = JSON.parse(await fsp.readFile(file, 'utf8'));
  const props = (rc.runtimeOptions.configProperties ??= {});
  props['System.Globalization.Invariant'] = true;
  props['System.Globalization.PredefinedCulturesOnly'] = false;
  await fsp.writeFile(file, JSON.stringify(rc, null, 2) + '\n');
}

const CULTURE_DIR = /^[a-z]{2,3}(-[A-Za-z]{2,4})*$/;

/**
 * Remove what scripts never use; return the removed relative paths' total size.
 * @param {string} tree
 */
export async function trimPwsh(tree) {
  let removedBytes = 0;
  /** @type {string[]} */
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

/**
 * @param {string} p
 * @returns {Promise<number>}
 */
async function sizeOf(p) {
  const st = await fsp.lstat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await fsp.readdir(p)) total += await sizeOf(path.join(p, e));
  return total;
}

/**
 * Drop deps.json entries whose files were trimmed (or never shipped) so the host sees a true list.
 * @param {string} tree
 */
export async function pruneDeps(tree) {
  const file = path.join(tree, 'pwsh.deps.json');
  /** @type {DepsJson} */
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
