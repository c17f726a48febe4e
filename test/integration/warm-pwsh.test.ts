import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { runStep } from '../../src/pipeline/run-step';
import { locateInterpreter } from '../../src/run/interpreters';
import { LocalHost } from '../../src/run/local-host';
import { FsObjectStore } from '../../src/store/fs-store';
import type { StepMessage } from '../../src/step/types';
import { tempDir } from '../helpers/cli';

let pwshProblem = '';
try {
  locateInterpreter('powershell');
} catch (error) {
  pwshProblem = (error as Error).message;
}

function psStep(script: string, variables: Record<string, string> = {}): StepMessage {
  return {
    schemaVersion: 1,
    deploymentId: 'warm-pwsh',
    stepId: `step-${Math.random().toString(36).slice(2, 10)}`,
    syntax: 'powershell',
    script: { inline: script },
    variables: { inline: variables },
  };
}

function setup(warm: boolean) {
  const root = tempDir('tidepool-warm-pwsh-');
  const host = new LocalHost(path.join(root, 'steps'), process.env, warm);
  const deps = {
    inputs: new FsObjectStore(root),
    results: new FsObjectStore(path.join(root, 'r')),
    host,
  };
  return { host, deps };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process and its descendants (a pwsh installed as a dotnet tool is a launcher + child). */
function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return [pid, ...(children ? children.split(/\s+/).map(Number).flatMap(processTree) : [])];
  } catch {
    return [];
  }
}

/** Waits until the interpreter waiting for PowerShell steps has gone idle on its stdin. */
async function waitingAndIdle(host: LocalHost): Promise<number> {
  let last = '';
  for (let i = 0; i < 120; i++) {
    await pause(250);
    const pid = host.waitingPid('powershell');
    if (pid === undefined) continue;
    const ticks = processTree(pid)
      .map((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return Number(f[11]) + Number(f[12]);
        } catch {
          return 0;
        }
      })
      .join(',');
    if (ticks === last && processTree(pid).length > 0) return pid;
    last = ticks;
  }
  throw new Error('no idle waiting pwsh after 30 s');
}

/** What a script can observe of its surroundings, one `name=value` per line. */
const PROBE = [
  'Write-Host "lastexit=$(Test-Path variable:global:LASTEXITCODE)"',
  '$stat = [IO.File]::ReadAllText("/proc/$PID/stat")',
  "$pgid = $stat.Substring($stat.LastIndexOf([char]41) + 2).Split(' ')[2]",
  'Write-Host "pgid=$pgid"',
  'Write-Host "home=$HOME"',
  'Write-Host "envhome=$env:HOME"',
  'Write-Host "tilde=$((Resolve-Path ~).Path)"',
  'Write-Host "userprofile=$([Environment]::GetFolderPath(\'UserProfile\'))"',
  'Write-Host "tmpdir=$env:TMPDIR"',
  'Write-Host "temp=$env:TEMP"',
  'Write-Host "tmp=$env:TMP"',
  'Write-Host "temppath=$([IO.Path]::GetTempPath())"',
  'Write-Host "newtemp=$([IO.Path]::GetDirectoryName([IO.Path]::GetTempFileName()))"',
  'Write-Host "pwd=$PWD"',
  'Write-Host "cwd=$([Environment]::CurrentDirectory)"',
  'Write-Host "native=$(& pwd)"',
  'Write-Host "nativehome=$(& sh -c \'echo $HOME\')"',
  'Write-Host "root=$PSScriptRoot"',
  'Write-Host "command=$($MyInvocation.MyCommand.Path)"',
  'Write-Host "xdgcache=$env:XDG_CACHE_HOME"',
  'Write-Host "xdgconfig=$env:XDG_CONFIG_HOME"',
  'Write-Host "xdgdata=$env:XDG_DATA_HOME"',
  'Write-Host "analysis=$env:PSModuleAnalysisCachePath"',
  'Write-Host "usermodules=$(($env:PSModulePath -split \':\')[0])"',
  'Write-Host "profile=$PROFILE"',
  'Write-Host "boot=$(Test-Path variable:global:__tp_boot)"',
  'Write-Host "envnames=$((Get-ChildItem env: | ForEach-Object Name | Sort-Object) -join \',\')"',
  'Write-Host "secret=$($OctopusParameters[\'Secret\'])"',
  'Write-Host "local=$Secret"',
  'Write-Host "count=$($OctopusParameters.Count)"',
].join('\n');

function values(log: Array<{ text: string }>): Record<string, string> {
  return Object.fromEntries(
    log
      .map((l) => l.text)
      .filter((t) => /^[a-z]+=/.test(t))
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)])
  );
}

/** Everything the step can observe is the step's own: its dirs, no launcher leftovers. */
function expectStepOwn(v: Record<string, string>): void {
  const root = /^(.*\/tidepool-step-[^/]+)\/work$/.exec(v.pwd ?? '')?.[1];
  expect(root).toBeDefined();
  const home = `${root}/home`;
  const tmp = `${root}/tmp`;
  expect(v).toMatchObject({
    home,
    envhome: home,
    tilde: home,
    userprofile: home,
    tmpdir: tmp,
    temp: tmp,
    tmp,
    temppath: `${tmp}/`,
    newtemp: tmp,
    cwd: `${root}/work`,
    native: `${root}/work`,
    nativehome: home,
    root: `${root}/work`,
    command: `${root}/work/Script.ps1`,
    xdgcache: `${home}/.cache`,
    xdgconfig: `${home}/.config`,
    xdgdata: `${home}/.local/share`,
    analysis: `${home}/.cache/powershell/ModuleAnalysisCache`,
    usermodules: `${home}/.local/share/powershell/Modules`,
    profile: `${home}/.config/powershell/Microsoft.PowerShell_profile.ps1`,
    boot: 'False',
    lastexit: 'False',
  });
  // The worker's environment (this test process's) is not passed on.
  const names = (v.envnames ?? '').split(',');
  for (const name of names) {
    expect(name).toMatch(
      /^(PATH|LANG|HOME|TMPDIR|TMP|TEMP|XDG_(CACHE|CONFIG|DATA)_HOME|PSModulePath|PSModuleAnalysisCachePath|DOTNET_\w+|POWERSHELL_\w+|PSExecutionPolicyPreference|TIDEPOOL_STEP_TOKEN)$/
    );
  }
  expect(names).not.toContain('JEST_WORKER_ID');
}

describe('warm pwsh interpreter', () => {
  beforeAll(() => {
    if (pwshProblem) throw new Error(`pwsh is required: ${pwshProblem}`);
  });

  it('waits knowing nothing of any step, then runs its step with the step’s own environment', async () => {
    const { host, deps } = setup(true);
    try {
      host.prewarm('powershell');
      const waiting = await waitingAndIdle(host);
      // Before its step: no variable, no step directory, in its arguments or environment.
      for (const pid of processTree(waiting)) {
        const seen =
          readFileSync(`/proc/${pid}/environ`, 'utf8') +
          readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        expect(seen).not.toContain('first-secret');
        expect(seen).not.toContain('tidepool-step-');
        expect(seen).not.toMatch(/(^|\0)HOME=/);
        // No file of a step is open.
        const open = readdirSync(`/proc/${pid}/fd`).map((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return '';
          }
        });
        expect(open.filter((target) => target.includes('tidepool-step-'))).toEqual([]);
      }

      const first = await runStep(psStep(PROBE, { Secret: 'first-secret' }), deps);
      expect(first.status).toBe('succeeded');
      const warm = values(first.log);
      // It ran in the interpreter that was waiting (its process group).
      expect(Number(warm.pgid)).toBe(waiting);
      expectStepOwn(warm);
      expect(warm.secret).toBe('first-secret');
      expect(warm.local).toBe('first-secret');

      // The replacement was started right after; the next step gets it, fresh.
      const replacement = await waitingAndIdle(host);
      expect(replacement).not.toBe(waiting);
      const second = values((await runStep(psStep(PROBE, { Secret: 'second-secret' }), deps)).log);
      expect(Number(second.pgid)).toBe(replacement);
      expectStepOwn(second);
      expect(second.secret).toBe('second-secret');
      expect(second.home).not.toBe(warm.home);
    } finally {
      host.close();
    }
  }, 90000);

  it('behaves the same cold, with no interpreter waiting', async () => {
    const cold = setup(false);
    const warm = setup(true);
    try {
      warm.host.prewarm('powershell');
      await waitingAndIdle(warm.host);
      const script = `${PROBE}\nSet-OctopusVariable Out "v-$Secret"\nWrite-Verbose 'quiet'\n& sh -c 'exit 4'\n`;
      const a = await runStep(psStep(script, { Secret: 'same' }), cold.deps);
      const b = await runStep(psStep(script, { Secret: 'same' }), warm.deps);
      const normalise = (r: typeof a) => ({
        status: r.status,
        exitCode: r.exitCode,
        outputVariables: r.outputVariables,
        log: r.log
          .filter((l) => !/^(pgid|envnames)=/.test(l.text))
          .map((l) => ({
            level: l.level,
            text: l.text
              .replace(/\/[^\s'"]*\/tidepool-step-[^/\s]+/g, 'STEP')
              .replace(/pwsh \(\d+\)/, 'pwsh (PID)'),
          })),
      });
      expect(normalise(b)).toEqual(normalise(a));
      expect(a.exitCode).toBe(4);
      expectStepOwn(values(a.log));
    } finally {
      cold.host.close();
      warm.host.close();
    }
  }, 90000);

  it('replaces a broken waiting interpreter transparently', async () => {
    const { host, deps } = setup(true);
    try {
      host.prewarm('powershell');
      const waiting = await waitingAndIdle(host);
      // Kill the innermost process: where pwsh is a dotnet-tool launcher, the real pwsh.
      const tree = processTree(waiting);
      process.kill(tree[tree.length - 1] ?? waiting, 'SIGKILL');
      await pause(300);
      const result = await runStep(
        psStep('Write-Host "survived $($OctopusParameters[\'X\'])"', { X: 'yes' }),
        deps
      );
      expect(result.status).toBe('succeeded');
      expect(result.log.map((l) => l.text)).toContain('survived yes');

      // And a waiting interpreter killed outright.
      const next = await waitingAndIdle(host);
      process.kill(next, 'SIGKILL');
      await pause(300);
      const again = await runStep(psStep('Write-Host "again"'), deps);
      expect(again.status).toBe('succeeded');
      expect(again.log.map((l) => l.text)).toContain('again');
    } finally {
      host.close();
    }
  }, 90000);
});
