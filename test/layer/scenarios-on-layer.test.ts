// The bash and PowerShell scenarios (parts 1 and 3) run through `tidepool run` on the layer's
// interpreters only. The CLI (src/cli/main.ts bundled with esbuild, started as bin/tidepool
// starts dist/) runs as a child process per step, whose whole environment is: PATH = <layer>/bin:/usr/bin (without dotnet), HOME and TMPDIR in a temp dir,
// what the worker sets for a step (layerProcessEnv), and TIDEPOOL_BASH / TIDEPOOL_PWSH pointing at
// the layer's bin/bash and bin/pwsh. Probe steps check that those binaries really are the ones
// running. The layer is built once per run by the globalSetup of jest.layer.config.js.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StepResult } from '../../src/step/result';
import { interpreterVersions } from '../../src/run/interpreter-versions';
import { expectedFor } from '../helpers/deviations';
import {
  expectScenario,
  loadScenarios,
  variablesDocument,
  type Scenario,
} from '../helpers/scenarios';
import { ensureLayer, layerProcessEnv, REPO_ROOT, usrBinWithoutDotnet } from './layer-fixture';

const ESBUILD = path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
/** Steps run at the same time (2 cores: a pwsh start is mostly CPU). */
const CONCURRENCY = 3;
const STEP_TIMEOUT_MS = 120_000;

type Syntax = 'bash' | 'powershell';

interface Case {
  key: string;
  syntax: Syntax;
  script: string;
  variables?: Record<string, unknown>;
}

interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  result: StepResult;
}

/**
 * The `tidepool` command as one file, bundled from the working tree's src/: no dependence on
 * dist/ being current. Run as `node tidepool.js`, src/cli/main.ts starts itself as it does in
 * dist/ (`require.main === module`). esbuild runs as its own process: its JS API does not work
 * inside jest's sandbox.
 */
function bundleCli(dir: string): string {
  const out = path.join(dir, 'tidepool.js');
  const r = spawnSync(
    ESBUILD,
    [
      path.join(REPO_ROOT, 'src', 'cli', 'main.ts'),
      '--bundle',
      '--platform=node',
      '--target=node20',
      '--format=cjs',
      '--log-level=warning',
      `--outfile=${out}`,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 }
  );
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`esbuild failed (${r.status}): ${r.stderr}`);
  return out;
}

function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    // The node binary by absolute path: the environment's PATH need not have node on it.
    const child = spawn(process.execPath, [cli, ...args], { env, cwd, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => void (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => void (stderr += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (stdout.trim() === '') {
        reject(new Error(`tidepool run printed no result (exit ${code}): ${stderr}`));
        return;
      }
      try {
        resolve({ code, stdout, stderr, result: JSON.parse(stdout) as StepResult });
      } catch (err) {
        reject(new Error(`tidepool run printed no JSON (${String(err)}): ${stdout}\n${stderr}`));
      }
    });
  });
}

/** Runs async jobs with at most `limit` at a time; returns one promise per job, in order. */
function pooled<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T>[] {
  const waiting: Array<() => void> = [];
  let running = 0;
  const acquire = (): Promise<void> =>
    running < limit
      ? (running++, Promise.resolve())
      : new Promise((resolve) => waiting.push(() => (running++, resolve())));
  const release = (): void => {
    running--;
    waiting.shift()?.();
  };
  return jobs.map(async (job) => {
    await acquire();
    try {
      return await job();
    } finally {
      release();
    }
  });
}

const BASH_PROBE = [
  'set_octopusvariable "BashVersion" "$BASH_VERSION"',
  'set_octopusvariable "BashExe" "$(readlink /proc/$$/exe)"',
  'set_octopusvariable "ScriptHome" "$HOME"',
  'set_octopusvariable "ScriptPath" "$PATH"',
  'set_octopusvariable "FindPath" "$(command -v find)"',
  '',
].join('\n');

const PWSH_PROBE = [
  'Set-OctopusVariable -name PSVersion -value $PSVersionTable.PSVersion.ToString()',
  'Set-OctopusVariable -name PSHome -value $PSHOME',
  'Set-OctopusVariable -name ProcessPath -value ([Environment]::ProcessPath)',
  'Set-OctopusVariable -name RuntimeDir -value ([System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory())',
  '$maps = Get-Content "/proc/$PID/maps" | ForEach-Object { ($_ -split "\\s+", 6)[5] } | Where-Object { $_ -like "/*" } | Sort-Object -Unique',
  'Set-OctopusVariable -name CoreClr -value (@($maps | Where-Object { $_ -like "*/libcoreclr.so" }) -join ";")',
  'Set-OctopusVariable -name DotnetMapped -value (@($maps | Where-Object { $_ -match "/(\\.)?dotnet/" }) -join ";")',
  'Set-OctopusVariable -name ScriptHome -value $env:HOME',
  '',
].join('\n');

function scenarioCase(s: Scenario): Case {
  return {
    key: s.name,
    syntax: s.syntax === 'Bash' ? 'bash' : 'powershell',
    script: s.script,
    variables: variablesDocument(s),
  };
}

const bashScenarios = loadScenarios('Bash');
const powershellScenarios = loadScenarios('PowerShell');

// The two checks of the PowerShell scenario file beyond the reference scenarios.
const EXTRA_CASES: Case[] = [
  {
    key: 'ps-unhandled-exception',
    syntax: 'powershell',
    script: 'function Get-It { throw "boom" }\nGet-It\nWrite-Host "not here"\n',
  },
  {
    key: 'ps-script-module',
    syntax: 'powershell',
    script: 'Write-Host (Get-Greeting)\n',
    variables: {
      'Octopus.Script.Module[Greetings]':
        'function Get-Greeting { "Hello from a module, " + $OctopusParameters["Name"] }',
      Name: 'Ada',
    },
  },
  {
    key: 'ps-broken-script-module',
    syntax: 'powershell',
    script: 'Write-Host "script ran"\n',
    variables: { 'Octopus.Script.Module[Broken Module]': 'function Oops {' },
  },
];

const CASES: Case[] = [
  { key: 'probe-bash', syntax: 'bash', script: BASH_PROBE },
  { key: 'probe-pwsh', syntax: 'powershell', script: PWSH_PROBE },
  ...bashScenarios.map(scenarioCase),
  ...powershellScenarios.map(scenarioCase),
  ...EXTRA_CASES,
];

let layerDir = '';
let workDir = '';
let cli = '';
let cliEnv: Record<string, string> = {};
let outcomes = new Map<string, Promise<CliOutcome>>();
const started = Date.now();

function outcome(key: string): Promise<CliOutcome> {
  const found = outcomes.get(key);
  if (!found) throw new Error(`no run for ${key} (did beforeAll fail?)`);
  return found;
}

function runCase(c: Case, index: number): Promise<CliOutcome> {
  const dir = path.join(workDir, 'cases', String(index).padStart(2, '0'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, c.syntax === 'powershell' ? 'script.ps1' : 'script.sh');
  fs.writeFileSync(file, c.script);
  const args = ['run', file, '--json', '--show-sensitive', '--out', path.join(dir, 'out')];
  if (c.variables) {
    const varsFile = path.join(dir, 'vars.json');
    fs.writeFileSync(varsFile, JSON.stringify(c.variables));
    args.push('--variables', varsFile);
  }
  return runCli(args, cliEnv, dir);
}

beforeAll(async () => {
  layerDir = fs.realpathSync(await ensureLayer());
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidepool-layer-scenarios-'));
  cli = bundleCli(workDir);
  cliEnv = {
    ...layerProcessEnv(layerDir, workDir),
    TIDEPOOL_BASH: path.join(layerDir, 'bin', 'bash'),
    TIDEPOOL_PWSH: path.join(layerDir, 'bin', 'pwsh'),
    // As bin/tidepool sets it: the AWS SDK's note about Node 22 is not for step output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const runs = pooled(
    CASES.map((c, i) => () => runCase(c, i)),
    CONCURRENCY
  );
  outcomes = new Map(CASES.map((c, i) => [c.key, runs[i] as Promise<CliOutcome>]));
  // Each test awaits its own run; keep a failure from surfacing as an unhandled rejection first.
  for (const run of runs) run.catch(() => undefined);
});

afterAll(async () => {
  await Promise.allSettled(outcomes.values());
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  if (outcomes.size) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`scenarios on the layer: ${outcomes.size} steps in ${seconds} s\n`);
  }
});

describe('the environment the CLI runs in', () => {
  it('has only the layer and a /usr/bin without dotnet on PATH, HOME in a temp dir', () => {
    const dirs = cliEnv.PATH?.split(':') ?? [];
    expect(dirs).toEqual([path.join(layerDir, 'bin'), usrBinWithoutDotnet()]);
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, 'dotnet'))).toBe(false);
    expect(cliEnv.HOME?.startsWith(workDir + path.sep)).toBe(true);
    expect(cliEnv.TMPDIR).toBe(workDir);
    // Nothing else from the test process's environment.
    expect(Object.keys(cliEnv).sort()).toEqual(
      [
        ...Object.keys(layerProcessEnv(layerDir, workDir)),
        'TIDEPOOL_BASH',
        'TIDEPOOL_PWSH',
        'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
      ].sort()
    );
    expect(Object.keys(layerProcessEnv(layerDir, workDir)).sort()).toEqual(
      [
        'DOTNET_CLI_TELEMETRY_OPTOUT',
        'DOTNET_GENERATE_ASPNET_CERTIFICATE',
        'DOTNET_NOLOGO',
        'DOTNET_SYSTEM_GLOBALIZATION_INVARIANT',
        'HOME',
        'LANG',
        'PATH',
        'POWERSHELL_TELEMETRY_OPTOUT',
        'POWERSHELL_UPDATECHECK',
        'PSModuleAnalysisCachePath',
        'TEMP',
        'TMP',
        'TMPDIR',
        'XDG_CACHE_HOME',
        'XDG_CONFIG_HOME',
        'XDG_DATA_HOME',
      ].sort()
    );
  });
});

describe('the interpreters that run the steps are the layer’s', () => {
  it('bash: the layer’s static bash 5.2.15', async () => {
    const { result, stderr } = await outcome('probe-bash');
    expect({ status: result.status, stderr }).toEqual({ status: 'succeeded', stderr: '' });
    const vars = result.outputVariables;
    expect(vars.BashVersion?.value).toMatch(/^5\.2\.15\(/);
    expect(vars.BashExe?.value).toBe(path.join(layerDir, 'bin', 'bash'));
    expect(vars.ScriptHome?.value.startsWith(workDir + path.sep)).toBe(true);
    // Scripts find the layer's tools before the machine's.
    expect(vars.ScriptPath?.value.split(':')[0]).toBe(path.join(layerDir, 'bin'));
    expect(vars.FindPath?.value).toBe(path.join(layerDir, 'bin', 'find'));
  });

  it('pwsh: the layer’s PowerShell 7.6.9 on its own .NET runtime, nothing of a dotnet install', async () => {
    const { result, stderr } = await outcome('probe-pwsh');
    expect({ status: result.status, stderr }).toEqual({ status: 'succeeded', stderr: '' });
    const vars = result.outputVariables;
    const psHome = path.join(layerDir, 'powershell');
    expect(vars.PSVersion?.value).toBe('7.6.9');
    expect(vars.PSHome?.value).toBe(psHome);
    expect(vars.ProcessPath?.value).toBe(path.join(psHome, 'pwsh'));
    expect(vars.RuntimeDir?.value.replace(/\/$/, '')).toBe(psHome);
    expect(vars.CoreClr?.value).toBe(path.join(psHome, 'libcoreclr.so'));
    expect(vars.DotnetMapped?.value ?? '').toBe('');
    expect(vars.ScriptHome?.value.startsWith(workDir + path.sep)).toBe(true);
  });
});

describe('interpreterVersions with the layer on PATH (what the worker logs)', () => {
  it("names the layer's bash and pwsh; pwsh's version from the manifest matches pwsh's own", async () => {
    const env = layerProcessEnv(layerDir, workDir); // no TIDEPOOL_BASH/PWSH: PATH finds them
    const v = await interpreterVersions(env);
    expect(v.problems).toEqual({});
    expect(v.paths).toEqual({
      bash: path.join(layerDir, 'bin', 'bash'),
      pwsh: path.join(layerDir, 'bin', 'pwsh'),
    });
    expect(v.bash).toMatch(/^GNU bash, version 5\.2\.15\(1\)-release \(x86_64-/);
    expect(v.layer).toEqual({
      manifest: path.join(layerDir, 'share', 'tidepool', 'layer.json'),
      arch: 'x86_64',
    });
    const asked = spawnSync(path.join(layerDir, 'bin', 'pwsh'), ['--version'], {
      env,
      encoding: 'utf8',
    });
    expect(v.pwsh).toBe(asked.stdout.trim());
  });
});

describe('Bash scenarios on the layer', () => {
  it('covers every Bash scenario in the reference file', () => {
    expect(bashScenarios).toHaveLength(21);
  });

  it.each(bashScenarios.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    const { result } = await outcome(name);
    expectScenario(result, expectedFor(scenario));
  });
});

describe('PowerShell scenarios on the layer', () => {
  it('covers every PowerShell scenario in the reference file', () => {
    expect(powershellScenarios).toHaveLength(21);
  });

  it.each(powershellScenarios.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    const { result } = await outcome(name);
    expectScenario(result, expectedFor(scenario));
  });

  it('shows the error of an unhandled exception on stderr and exits 1', async () => {
    const { result, code } = await outcome('ps-unhandled-exception');
    expect([result.status, result.exitCode, code]).toEqual(['failed', 1, 1]);
    const errors = result.log.filter((l) => l.stream === 'stderr').map((l) => l.text);
    expect(errors[0]).toBe('OperationStopped: boom');
    expect(errors.join('\n')).toMatch(/Script\.ps1:1 char:/);
    expect(errors.join('\n')).toContain('at Get-It, ');
    expect(result.log.map((l) => l.text)).not.toContain('not here');
  });

  it('imports script modules before the script; a broken one stops the step with exit 1', async () => {
    const good = (await outcome('ps-script-module')).result;
    expect(good.status).toBe('succeeded');
    expect(good.log.map((l) => l.text)).toContain('Hello from a module, Ada');

    const broken = (await outcome('ps-broken-script-module')).result;
    expect([broken.status, broken.exitCode]).toEqual(['failed', 1]);
    const texts = broken.log.map((l) => l.text);
    expect(
      texts.some((t) =>
        /^Failed to import Script Module 'Broken Module' from '.*\/Library_BrokenModule_\d+\.psm1'$/.test(
          t
        )
      )
    ).toBe(true);
    expect(texts).not.toContain('script ran');
  });
});
