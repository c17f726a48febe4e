// @ts-check
// The build's command line (see build.mjs).
import path from 'node:path';
import process from 'node:process';
import { ARCHES, REPO } from './common.mjs';

/** @typedef {import('./common.mjs').Arch} Arch */

/**
 * @typedef {object} Options
 * @property {Arch} arch
 * @property {string | undefined} pwshTarball
 * @property {string | undefined} pwshTarballSha256
 * @property {boolean} downloadPwsh
 * @property {boolean} r2r
 * @property {string} outDir
 * @property {string} cacheDir
 * @property {string | undefined} keepStage
 * @property {boolean} quiet
 */

/**
 * @param {string[]} argv
 * @returns {Options}
 */
export function parseArgs(argv) {
  /** @type {Omit<Options, 'arch'> & { arch: string | undefined }} */
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
  const need = (/** @type {number} */ i) => {
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
  const arch = opts.arch;
  if (!isArch(arch)) throw usage('--arch must be x86_64 or arm64');
  if (opts.pwshTarball && opts.downloadPwsh)
    throw usage('--pwsh-tarball and --download-pwsh exclude each other');
  return { ...opts, arch };
}

/**
 * @param {string | undefined} value
 * @returns {value is Arch}
 */
function isArch(value) {
  return value !== undefined && Object.hasOwn(ARCHES, value);
}

/**
 * An error that build.mjs answers with exit code 2.
 * @param {string} msg
 */
function usage(msg) {
  const e = /** @type {Error & { usage?: boolean }} */ (
    new Error(
      `${msg ? msg + '\n' : ''}usage: npm run build:layer -- --arch x86_64|arm64 [--pwsh-tarball FILE [--pwsh-tarball-sha256 HEX] | --download-pwsh] [--no-r2r] [--out-dir DIR] [--cache-dir DIR] [--keep-stage DIR] [--quiet]`
    )
  );
  e.usage = true;
  return e;
}
