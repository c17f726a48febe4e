// Shared fixture: "the unpacked x86_64 script-runtime layer", built once per test run.
//
//   import { ensureLayer, layerProcessEnv } from '../layer/layer-fixture';
//   const layerDir = await ensureLayer();           // <layerDir>/bin/{pwsh,bash,find,xargs}
//   spawn('pwsh', args, { env: layerProcessEnv(layerDir, tmp) });
//
// The layer's globalSetup (jest.layer.config.js) builds and unpacks it and publishes the
// directory in TIDEPOOL_LAYER_DIR, so every worker and test file shares one copy. Another jest
// config that wants the layer (e.g. the scenario tests run against it) should use the same
// globalSetup/globalTeardown (test/layer/global-setup.ts, global-teardown.ts). Without them,
// ensureLayer() builds it itself, once per worker process (seconds with a warm .cache/layer),
// and leaves the temp dir behind if the process is killed.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stepEnvironment } from '../../src/bootstrap/step-environment';
import { baseEnvironment } from '../../src/run/script-environment';
import { unpackZip } from './inspect';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const BUILD_SCRIPT = path.join(REPO_ROOT, 'layers/script-runtime/build.mjs');
export const LAYER_DIR_ENV = 'TIDEPOOL_LAYER_DIR';

export type LayerArch = 'x86_64' | 'arm64';

export interface BuiltLayer {
  zip: string;
  manifest: string;
  outDir: string;
  seconds: number;
  stdout: string;
}

/** Run the layer build into outDir (a fresh temp dir by default). */
export async function buildLayer(
  arch: LayerArch,
  opts: { outDir?: string; extraArgs?: string[]; cacheDir?: string } = {}
): Promise<BuiltLayer> {
  const outDir =
    opts.outDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `tidepool-layer-out-${arch}-`));
  const args = [
    BUILD_SCRIPT,
    '--arch',
    arch,
    '--out-dir',
    outDir,
    '--quiet',
    ...(opts.extraArgs ?? []),
  ];
  if (opts.cacheDir) args.push('--cache-dir', opts.cacheDir);
  const started = Date.now();
  let stdout: string;
  try {
    ({ stdout } = await execFileP(process.execPath, args, {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 10 * 60 * 1000,
    }));
  } catch (err) {
    if (!opts.outDir) fs.rmSync(outDir, { recursive: true, force: true });
    throw err;
  }
  return {
    zip: path.join(outDir, `script-runtime-${arch}.zip`),
    manifest: path.join(outDir, `script-runtime-${arch}.json`),
    outDir,
    seconds: (Date.now() - started) / 1000,
    stdout,
  };
}

/** Build the x86_64 layer and unpack it into a new temp dir; returns that dir. */
export async function buildAndUnpackLayer(): Promise<{ layerDir: string; built: BuiltLayer }> {
  const built = await buildLayer('x86_64');
  const layerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidepool-layer-'));
  unpackZip(built.zip, layerDir);
  // Keep the zip and manifest next to the unpacked tree for tests that check them.
  fs.copyFileSync(built.zip, path.join(layerDir, '..', `${path.basename(layerDir)}.zip`));
  fs.copyFileSync(built.manifest, path.join(layerDir, '..', `${path.basename(layerDir)}.json`));
  fs.rmSync(built.outDir, { recursive: true, force: true });
  return { layerDir, built };
}

/** The zip and manifest that the unpacked layer at layerDir came from. */
export function layerArtifacts(layerDir: string): { zip: string; manifest: string } {
  return { zip: `${layerDir}.zip`, manifest: `${layerDir}.json` };
}

let pending: Promise<string> | undefined;

/** The unpacked x86_64 layer directory (built at most once per test run). */
export function ensureLayer(): Promise<string> {
  const shared = process.env[LAYER_DIR_ENV];
  if (shared && fs.existsSync(path.join(shared, 'bin/pwsh'))) return Promise.resolve(shared);
  pending ??= buildAndUnpackLayer().then(({ layerDir }) => {
    process.env[LAYER_DIR_ENV] = layerDir;
    process.once('exit', () => removeLayer(layerDir));
    return layerDir;
  });
  return pending;
}

export function removeLayer(layerDir: string): void {
  fs.rmSync(layerDir, { recursive: true, force: true });
  const { zip, manifest } = layerArtifacts(layerDir);
  fs.rmSync(zip, { force: true });
  fs.rmSync(manifest, { force: true });
}

/**
 * /usr/bin, or where the machine has /usr/bin/dotnet (the .NET development machines do), a
 * directory of symlinks to everything in /usr/bin but dotnet: "no dotnet on PATH" for real.
 * Made once per machine in the temp dir and reused (rebuilt when /usr/bin changes).
 */
export function usrBinWithoutDotnet(): string {
  if (!fs.existsSync('/usr/bin/dotnet')) return '/usr/bin';
  const names = fs.readdirSync('/usr/bin').filter((n) => n !== 'dotnet');
  const stamp = String(names.length);
  const dir = path.join(os.tmpdir(), `tidepool-usr-bin-without-dotnet-${process.getuid?.() ?? 0}`);
  const marker = path.join(dir, '.tidepool-stamp');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp) return dir;
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  for (const name of names) fs.symlinkSync(path.join('/usr/bin', name), path.join(tmp, name));
  fs.writeFileSync(path.join(tmp, '.tidepool-stamp'), stamp);
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.renameSync(tmp, dir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another worker won the race
  }
  return dir;
}

/** PATH as on Lambda with the layer: the layer's bin/ first, then the system's (minus dotnet). */
export function layerPath(layerDir: string): string {
  return `${path.join(layerDir, 'bin')}:${usrBinWithoutDotnet()}`;
}

/**
 * The environment a step's script sees on Lambda, from the worker's own two sources: what a
 * pwsh starts with (`baseEnvironment`) and what the bootstrap then sets (`stepEnvironment`),
 * with HOME = <tmpDir>/home (created) and the temp folders = tmpDir. Only PATH differs:
 * <layer>/bin:/usr/bin without dotnet, as the layer is not at /opt here. Nothing else from
 * the test process's environment is passed on.
 */
export function layerProcessEnv(layerDir: string, tmpDir: string): Record<string, string> {
  const tmp = path.resolve(tmpDir);
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home, { recursive: true });
  return {
    ...baseEnvironment(path.join(layerDir, 'bin'), 'powershell'),
    ...Object.fromEntries(stepEnvironment({ home, tmp }, 'powershell')),
    PATH: layerPath(layerDir),
  };
}
