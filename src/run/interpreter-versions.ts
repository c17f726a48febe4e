import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Syntax } from '../step/types';
import { locateInterpreter } from './interpreters';
import { POWERSHELL_PROCESS_SETTINGS } from './script-environment';

/** Where the script-runtime layer's build records its versions, relative to the layer root. */
export const LAYER_MANIFEST = path.join('share', 'tidepool', 'layer.json');

/** What the worker logs once per container: which bash and pwsh steps run on. */
export interface InterpreterVersions {
  /** First line of `bash --version`, e.g. `GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)`. */
  bash?: string;
  /** e.g. `PowerShell 7.6.9`. */
  pwsh?: string;
  /** The interpreters the locator found (as found, before symlinks are resolved). */
  paths: { bash?: string; pwsh?: string };
  /** Why an interpreter has no version: not found, or asking it failed. */
  problems: { bash?: string; pwsh?: string };
  /** The script-runtime layer's manifest, when an interpreter comes from a layer. */
  layer?: { manifest: string; arch?: string };
}

const TIMEOUT_MS = 15_000;

interface LayerManifest {
  arch?: string;
  pwsh?: { version?: string };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function run(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim().split('\n')[0];
          reject(new Error(detail ? `${error.message.split('\n')[0]}: ${detail}` : error.message));
        } else resolve(stdout);
      }
    );
  });
}

function firstLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
}

/**
 * The layer a binary belongs to: layers keep their commands in `<root>/bin` and the pwsh tree
 * in `<root>/powershell`, so the root is two levels above the real file; it is a layer when
 * `<root>/share/tidepool/layer.json` exists.
 */
async function layerOf(
  binary: string
): Promise<{ manifest: string; content: LayerManifest } | undefined> {
  try {
    const real = await fs.realpath(binary);
    const manifest = path.join(path.dirname(path.dirname(real)), LAYER_MANIFEST);
    const content = JSON.parse(await fs.readFile(manifest, 'utf8')) as LayerManifest;
    return { manifest, content };
  } catch {
    return undefined;
  }
}

/** Only what asking for a version needs: never the worker's credentials or configuration. */
function versionEnvironment(env: NodeJS.ProcessEnv, syntax: Syntax): Record<string, string> {
  const out: Record<string, string> = { PATH: env.PATH ?? '/usr/bin:/bin', LANG: 'C' };
  if (syntax === 'powershell') {
    Object.assign(out, POWERSHELL_PROCESS_SETTINGS);
    // The dotnet global tool's launcher finds its runtime through these.
    if (env.HOME) out.HOME = env.HOME;
    if (env.DOTNET_ROOT) out.DOTNET_ROOT = env.DOTNET_ROOT;
  }
  return out;
}

async function bashVersion(file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const line = firstLine(await run(file, ['--version'], versionEnvironment(env, 'bash')));
  if (!line) throw new Error(`${file} --version printed nothing`);
  return line;
}

async function pwshVersion(
  file: string,
  env: NodeJS.ProcessEnv,
  layer: LayerManifest | undefined
): Promise<string> {
  // The layer's build wrote the version next to the binaries: no pwsh start (~0.3 s) needed.
  const recorded = layer?.pwsh?.version;
  if (recorded) return `PowerShell ${recorded}`;
  // `--version` returns before the engine starts: about half the time of `-c $PSVersionTable`.
  const line = firstLine(await run(file, ['--version'], versionEnvironment(env, 'powershell')));
  if (!line?.startsWith('PowerShell ')) {
    throw new Error(`${file} --version printed ${JSON.stringify(line ?? '')}`);
  }
  return line;
}

/**
 * The bash and pwsh that steps would run on (found as the worker finds them, see
 * `locateInterpreter`) and their versions, for the worker to log once per container. Never
 * throws: a missing or broken interpreter is reported in `problems`.
 *
 * bash is asked (`bash --version`, a millisecond); pwsh's version comes from the script-runtime
 * layer's manifest when pwsh is the layer's, else from `pwsh --version` (one start).
 */
export async function interpreterVersions(
  env: NodeJS.ProcessEnv = process.env
): Promise<InterpreterVersions> {
  const result: InterpreterVersions = { paths: {}, problems: {} };
  const locate = (syntax: Syntax): string | undefined => {
    try {
      return locateInterpreter(syntax, env);
    } catch (error) {
      result.problems[syntax === 'bash' ? 'bash' : 'pwsh'] = message(error);
      return undefined;
    }
  };
  const bash = locate('bash');
  const pwsh = locate('powershell');
  if (bash) result.paths.bash = bash;
  if (pwsh) result.paths.pwsh = pwsh;

  const [bashLayer, pwshLayer] = await Promise.all([
    bash ? layerOf(bash) : undefined,
    pwsh ? layerOf(pwsh) : undefined,
  ]);
  const layer = pwshLayer ?? bashLayer;
  if (layer) {
    result.layer = { manifest: layer.manifest };
    if (layer.content.arch) result.layer.arch = layer.content.arch;
  }

  await Promise.all([
    bash &&
      bashVersion(bash, env).then(
        (v) => void (result.bash = v),
        (e: unknown) => void (result.problems.bash = message(e))
      ),
    pwsh &&
      pwshVersion(pwsh, env, pwshLayer?.content).then(
        (v) => void (result.pwsh = v),
        (e: unknown) => void (result.problems.pwsh = message(e))
      ),
  ]);
  // Versions first: the order the log line reads best in.
  const { bash: bashVersionText, pwsh: pwshVersionText, ...rest } = result;
  return {
    ...(bashVersionText !== undefined ? { bash: bashVersionText } : {}),
    ...(pwshVersionText !== undefined ? { pwsh: pwshVersionText } : {}),
    ...rest,
  };
}
