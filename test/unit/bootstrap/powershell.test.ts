import { LAUNCHER_ARGS } from '../../../src/bootstrap/launchers';
import type { BootstrapInput } from '../../../src/bootstrap/plan';
import { bootstrapInput, dirs } from './input';
import {
  buildPowerShellBootstrap,
  encodePowerShellVariables,
  localVariableNames,
  POWERSHELL_LAUNCHER_ARGS,
  psQuote,
  traceLevel,
} from '../../../src/bootstrap/powershell';
import { POWERSHELL_HELPERS } from '../../../src/bootstrap/powershell-helpers';
import { baseEnvironment } from '../../../src/run/script-environment';

const input = (overrides: Partial<BootstrapInput> = {}) =>
  bootstrapInput('Write-Host hi\r\n', overrides);

function file(plan: ReturnType<typeof buildPowerShellBootstrap>, p: string) {
  const found = plan.files.find((f) => f.path === p);
  if (!found) throw new Error(`no planned file ${p}`);
  return found;
}

function bootstrapText(plan: ReturnType<typeof buildPowerShellBootstrap>): string {
  return String(file(plan, '/s/boot/Bootstrap.ps1').content);
}

function decode(buffer: Buffer): Array<[string, string]> {
  return buffer
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [n, v] = line.split('$');
      return [
        Buffer.from(n ?? '', 'base64').toString('utf8'),
        Buffer.from(v ?? '', 'base64').toString('utf8'),
      ];
    });
}

describe('buildPowerShellBootstrap', () => {
  it('writes Script.ps1 in the working directory as UTF-8 with a BOM, text unchanged', () => {
    const plan = buildPowerShellBootstrap(input());
    expect(plan.interpreter).toBe('powershell');
    expect(file(plan, '/s/work/Script.ps1').content).toBe('\ufeffWrite-Host hi\r\n');
    // A script that already starts with a BOM does not get a second one.
    const again = buildPowerShellBootstrap(input({ script: '\ufeffx' }));
    expect(file(again, '/s/work/Script.ps1').content).toBe('\ufeffx');
    expect(plan.entry).toBe('/s/boot/Bootstrap.ps1');
  });

  it('keeps variable values out of the hand-off line and the bootstrap text', () => {
    const plan = buildPowerShellBootstrap(input({ variables: { Secret: 'do-not-show' } }));
    expect(plan.entry).not.toContain('do-not-show');
    expect(bootstrapText(plan)).not.toContain('do-not-show');
    expect(LAUNCHER_ARGS.powershell?.join(' ')).not.toContain('do-not-show');
    const vars = file(plan, '/s/boot/variables');
    expect(vars.mode).toBe(0o600);
    expect(decode(vars.content as Buffer)).toEqual([['Secret', 'do-not-show']]);
    // The bootstrap deletes the file once read.
    expect(bootstrapText(plan)).toContain("[IO.File]::Delete('/s/boot/variables')");
  });

  it('leaves script modules out of $OctopusParameters and imports them before the script', () => {
    const plan = buildPowerShellBootstrap(
      input({
        variables: { 'Octopus.Script.Module[My Lib]': 'function F {}', Other: 'x' },
        modules: [
          { name: 'My Lib', syntax: 'powershell', text: 'function F {}' },
          { name: 'Shell', syntax: 'bash', text: 'f() { :; }' },
        ],
      })
    );
    expect(decode(file(plan, '/s/boot/variables').content as Buffer)).toEqual([['Other', 'x']]);
    const module = plan.files.find((f) => /\/s\/work\/Library_MyLib_\d+\.psm1$/.test(f.path));
    expect(module?.content).toBe('function F {}');
    expect(plan.files.some((f) => f.path.includes('Shell'))).toBe(false);
    const text = bootstrapText(plan);
    const importAt = text.indexOf("Import-ScriptModule 'My Lib' '/s/work/Library_MyLib_");
    expect(importAt).toBeGreaterThan(text.indexOf('$OctopusParameters = '));
    expect(importAt).toBeLessThan(text.indexOf(". '/s/work/Script.ps1'"));
  });

  it('leaves out only what the pipeline takes as a module: a name without its ] stays a variable', () => {
    const plan = buildPowerShellBootstrap(
      input({ variables: { 'Octopus.Script.Module[Lib': 'x', 'Octopus.Script.Module[Lib]': 'y' } })
    );
    expect(decode(file(plan, '/s/boot/variables').content as Buffer)).toEqual([
      ['Octopus.Script.Module[Lib', 'x'],
    ]);
  });

  it('sets the step environment before anything of the step runs', () => {
    const text = bootstrapText(buildPowerShellBootstrap(input()));
    for (const line of [
      "$env:HOME = '/s/home'",
      "$env:TMPDIR = '/s/tmp'",
      "$env:TEMP = '/s/tmp'",
      "$env:TMP = '/s/tmp'",
      "$env:XDG_CACHE_HOME = '/s/home/.cache'",
      "$env:XDG_CONFIG_HOME = '/s/home/.config'",
      "$env:XDG_DATA_HOME = '/s/home/.local/share'",
      "Set-Location -LiteralPath '/s/work'",
      "[Environment]::CurrentDirectory = '/s/work'",
    ]) {
      expect(text).toContain(line);
      expect(text.indexOf(line)).toBeLessThan(text.indexOf('$OctopusParameters = '));
    }
    expect(text).toContain("$ErrorActionPreference = 'Stop'");
    expect(text).toContain("$PSNativeCommandArgumentPassing = 'Legacy'");
  });

  it('dot-sources the script with the parameters pasted after it, inside try/catch', () => {
    const text = bootstrapText(
      buildPowerShellBootstrap(input({ parameters: '-Environment "Prod"\r\n-Path \'x\'' }))
    );
    expect(text).toContain(`  . '/s/work/Script.ps1' -Environment "Prod" -Path 'x'`);
    expect(text).toMatch(
      /try \{\n {2}\. '\/s\/work\/Script\.ps1'.*\n\} catch \{\n {2}Write-TidepoolErrorRecord \$_\n {2}exit 1\n\}/
    );
    expect(text.trimEnd().endsWith('exit $global:LASTEXITCODE }')).toBe(true);
  });

  it('loads profiles unless Octopus.Action.PowerShell.ExecuteWithoutProfile is true', () => {
    const withProfiles = bootstrapText(buildPowerShellBootstrap(input()));
    expect(withProfiles).toContain('$PROFILE.AllUsersAllHosts');
    expect(withProfiles).toContain("'/s/home/.config/powershell/Microsoft.PowerShell_profile.ps1'");
    const without = bootstrapText(
      buildPowerShellBootstrap(
        input({ variables: { 'octopus.action.powershell.executewithoutprofile': 'True' } })
      )
    );
    expect(without).not.toContain('$PROFILE.AllUsersAllHosts');
    expect(without).not.toContain('foreach ($__tp_profile');
    // pwsh sets $PROFILE under -NoProfile too: for the step's HOME, not the interpreter's.
    expect(without).toContain(
      "$global:PROFILE = Add-Member -InputObject '/s/home/.config/powershell/"
    );
  });

  it.each<[string | undefined, number]>([
    ['true', 2],
    ['True', 2],
    [' TRUE ', 2],
    ['1', 1],
    [' 2 ', 2],
    ['+1', 1],
    ['0', 0],
    ['false', 0],
    ['', 0],
    ['2x', 0],
    [undefined, 0],
  ])('reads PSDebug.Trace %p as level %i, as Calamari does', (value, level) => {
    expect(traceLevel(value)).toBe(level);
  });

  it('imports script modules through Import-CalamariModules, after the variables', () => {
    const text = bootstrapText(
      buildPowerShellBootstrap(
        input({ modules: [{ name: 'Greeter', syntax: 'powershell', text: 'function Hi {}' }] })
      )
    );
    expect(text).toMatch(/function Import-CalamariModules \{\n {2}Import-ScriptModule 'Greeter' /);
    expect(text.indexOf('Import-CalamariModules\ntry {')).toBeGreaterThan(
      text.indexOf("[IO.File]::Delete('/s/boot/variables')")
    );
  });

  it('declares locals only for names without [ and never for script modules', () => {
    const text = bootstrapText(
      buildPowerShellBootstrap(
        input({
          variables: {
            'Octopus.Environment.Name': 'Prod',
            Foo_bar: 'x',
            'Octopus.Action[Step A].Output.Result': 'y',
          },
        })
      )
    );
    expect(text).toContain(",@('OctopusEnvironmentName', 'Octopus.Environment.Name')");
    expect(text).toContain(",@('Foo_bar', 'Foo_bar'); ,@('Foobar', 'Foo_bar')");
    expect(text).not.toContain('OctopusActionStepAOutputResult');
  });

  it('writes the environment block only when logging is not suppressed', () => {
    const off = bootstrapText(buildPowerShellBootstrap(input()));
    expect(off).not.toContain('PowerShell Environment Information:');
    const on = bootstrapText(
      buildPowerShellBootstrap(
        input({
          environment: {
            operatingSystem: 'Linux 6 x64',
            currentUser: 'sbx',
            hostName: 'host',
            processorCount: 2,
          },
        })
      )
    );
    expect(on).toContain("'PowerShell Environment Information:'");
    expect(on).toContain("'  CurrentDirectory: /s/work'");
  });

  it('quotes paths with single quotes and dollars safely', () => {
    const odd = { ...dirs, work: "/s/it's $here" };
    const text = bootstrapText(buildPowerShellBootstrap(input({ dirs: odd })));
    expect(text).toContain("Set-Location -LiteralPath '/s/it''s $here'");
    expect(text).toContain(". '/s/it''s $here/Script.ps1'");
  });
});

describe('localVariableNames', () => {
  it('follows Calamari: current name (letters, digits, _) then legacy (letters, digits)', () => {
    expect(localVariableNames('Octopus.Environment.Name')).toEqual(['OctopusEnvironmentName']);
    expect(localVariableNames('Foo_bar')).toEqual(['Foo_bar', 'Foobar']);
    expect(localVariableNames('My-Var')).toEqual(['MyVar']);
    expect(localVariableNames('Größe.Ä1')).toEqual(['GrößeÄ1']);
    expect(localVariableNames('Octopus.Action[A].Output.X')).toEqual([]);
    expect(localVariableNames('Octopus.Script.Module[X]')).toEqual([]);
    expect(localVariableNames('...')).toEqual([]);
    expect(localVariableNames('_')).toEqual(['_']);
  });
});

describe('encodePowerShellVariables and psQuote', () => {
  it('writes base64(name)$base64(value) lines', () => {
    const buffer = encodePowerShellVariables({ a$b: 'line1\nline2', Empty: '' });
    expect(buffer.toString('utf8')).toBe(
      `${Buffer.from('a$b').toString('base64')}$${Buffer.from('line1\nline2').toString('base64')}\n` +
        `${Buffer.from('Empty').toString('base64')}$\n`
    );
    expect(encodePowerShellVariables({}).length).toBe(0);
  });

  it('doubles ASCII and typographic single quotes', () => {
    expect(psQuote("it's")).toBe("'it''s'");
    expect(psQuote('a\u2019b')).toBe("'a\u2019\u2019b'");
  });
});

describe('the pwsh launcher', () => {
  it('starts without a profile, non-interactive, reading one line and dot-sourcing it', () => {
    expect(LAUNCHER_ARGS.powershell).toBe(POWERSHELL_LAUNCHER_ARGS);
    expect(POWERSHELL_LAUNCHER_ARGS.slice(0, 4)).toEqual([
      '-NoLogo',
      '-NonInteractive',
      '-NoProfile',
      '-Command',
    ]);
    const command = POWERSHELL_LAUNCHER_ARGS[4] ?? '';
    expect(command).toContain('[Console]::In.ReadLine()');
    expect(command).toContain('. $__tp_boot');
    // The warm-up must not print: a waiting interpreter that wrote anything is replaced.
    expect(command).not.toMatch(/Write-Host (?!-NoNewline)/);
  });

  it('gets pwsh-only process settings; bash keeps PATH and LANG only', () => {
    expect(Object.keys(baseEnvironment(undefined, 'bash')).sort()).toEqual(['LANG', 'PATH']);
    expect(Object.keys(baseEnvironment()).sort()).toEqual(['LANG', 'PATH']);
    const env = baseEnvironment('/opt/bin', 'powershell');
    expect(env.PATH?.startsWith('/opt/bin:')).toBe(true);
    expect(env).toMatchObject({
      DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
      POWERSHELL_TELEMETRY_OPTOUT: '1',
      POWERSHELL_UPDATECHECK: 'Off',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    });
    expect(env.HOME).toBeUndefined();
  });
});

describe('POWERSHELL_HELPERS', () => {
  it('defines every helper of contract section 2.5', () => {
    for (const name of [
      'Set-OctopusVariable',
      'New-OctopusArtifact',
      'Fail-Step',
      'Update-Progress',
      'Write-Highlight',
      'Write-Wait',
      'Write-Verbose',
      'Write-Debug',
      'Write-Warning',
      'Set-EnvironmentState',
      'Set-EnvironmentUrl',
      'Remove-OctopusTarget',
      'New-OctopusTarget',
      'Report-KubernetesManifest',
      'Report-KubernetesManifestFile',
      'Execute-WithRetry',
      'Convert-ServiceMessageValue',
      'Convert-ToServiceMessageParameter',
      'ConvertTo-QuotedString',
      'ConvertTo-ConsoleEscapedArgument',
      'ConvertTo-PowershellEscapedArgument',
      'Import-ScriptModule',
    ]) {
      expect(POWERSHELL_HELPERS).toMatch(new RegExp(`^function ${name}\\b`, 'm'));
    }
  });
});
