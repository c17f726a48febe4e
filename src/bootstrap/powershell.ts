import * as path from 'node:path';
import { POWERSHELL_HELPERS } from './powershell-helpers';
import { getVariable, isScriptModuleVariable, isTrue } from '../rules/octopus-variables';
import { moduleFileStem, toLf, type BootstrapInput, type BootstrapPlan } from './plan';
import { stepEnvironment } from './step-environment';

/**
 * How a pwsh interpreter waits for its step: started with `-NoProfile` (profiles are the
 * step's business: its bootstrap loads them, see `profileLines`), it warms up the parts of the
 * engine every step uses, without output and without touching anything of a step, then reads
 * the bootstrap's path from stdin and dot-sources it, so the bootstrap and the user script run
 * in the global scope as under Calamari's `-Command`. End of input before a line: exit 125.
 */
/**
 * Run once by a waiting pwsh before its step arrives: a little of everything each bootstrap
 * does (advanced functions with begin/process/end, pipelines, string expansion, base64, the
 * variables dictionary, the session-state calls, Write-Host with an empty text), so the step
 * does not pay for their first compilation. It writes no byte, runs in a child scope and
 * leaves nothing behind; nothing of any step exists yet.
 */
const WARM_UP = `& { ${[
  'function __tp_w { [CmdletBinding()] param([Parameter(Position = 0, ValueFromPipeline = $true)][AllowEmptyString()][string]$m) begin { Write-Host -NoNewline $m } process { Write-Host -NoNewline "$($m)" } end { Write-Host -NoNewline \'\' } }',
  "'' | __tp_w; __tp_w ''",
  '$d = [Collections.Generic.Dictionary[string,string]]::new([StringComparer]::OrdinalIgnoreCase)',
  "$d[[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('x'))))] = 'y'",
  "$null = $ExecutionContext.SessionState.PSVariable.Get('__tp_none'); $null = Test-Path -LiteralPath variable:global:__tp_none",
  "$null = (@('a') + @(('b:c' -split ':') | Where-Object { $_ -and -not $_.EndsWith('/x') })) -join ':'",
  "$null = (Get-PSProvider -PSProvider FileSystem).Home; Set-Location -LiteralPath '/'",
  "$null = Add-Member -InputObject 'p' -NotePropertyMembers ([ordered]@{ A = (Join-Path $PSHOME 'x') }) -PassThru",
  "$null = [IO.File]::Exists('/'); $null = $PSVersionTable | Out-String -Width 200; $null = $PSStyle.OutputRendering",
  "try { throw 'x' } catch { $null = $_.CategoryInfo.Category }",
].join('; ')} }`;

/**
 * How a pwsh interpreter waits for its step: started with `-NoProfile` (profiles are the
 * step's business: its bootstrap loads them, see `profileLines`), it warms up, then reads the
 * bootstrap's path from stdin and dot-sources it, so the bootstrap and the user script run in
 * the global scope as under Calamari's `-Command`. End of input before a line: exit 125.
 */
export const POWERSHELL_LAUNCHER_SCRIPT = [
  WARM_UP,
  '$__tp_boot = [Console]::In.ReadLine()',
  'if (-not $__tp_boot) { exit 125 }',
  '. $__tp_boot',
  // `exit N` inside a dot-sourced file only ends that file: pass its code on, as Calamari's
  // command line does.
  'if (Test-Path -LiteralPath variable:global:LASTEXITCODE) { exit $global:LASTEXITCODE }',
].join('; ');

export const POWERSHELL_LAUNCHER_ARGS = [
  '-NoLogo',
  '-NonInteractive',
  '-NoProfile',
  '-Command',
  POWERSHELL_LAUNCHER_SCRIPT,
];

/** A PowerShell single-quoted string literal (both ASCII and typographic quotes double). */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/**
 * The plain PowerShell variables Calamari declares for an Octopus variable (contract 2.4):
 * none for names with `[` or for script modules; otherwise the name with only letters, digits
 * and `_`, then the legacy name with only letters and digits, without duplicates or empties.
 */
export function localVariableNames(name: string): string[] {
  if (name.includes('[') || isScriptModuleVariable(name)) return [];
  const current = name.replace(/[^\p{L}\p{Nd}_]/gu, '');
  const legacy = name.replace(/[^\p{L}\p{Nd}]/gu, '');
  return [...new Set([current, legacy])].filter((n) => n !== '');
}

/** One `base64(name)$base64(value)` line per variable, as Calamari's plaintext; modules left out. */
export function encodePowerShellVariables(variables: Record<string, string>): Buffer {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const lines: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (isScriptModuleVariable(name)) continue;
    lines.push(`${b64(name)}$${b64(value)}`);
  }
  return Buffer.from(lines.length ? lines.join('\n') + '\n' : '', 'utf8');
}

/** The step's own environment, set before anything of the step runs. */
function environmentLines(input: BootstrapInput): string[] {
  const { dirs } = input;
  return [
    ...stepEnvironment(dirs, 'powershell').map(
      ([name, value]) => `$env:${name} = ${psQuote(value)}`
    ),
    // The user module folder follows HOME, as pwsh would have computed it at start.
    `$env:PSModulePath = (@(${psQuote(path.join(dirs.home, '.local', 'share', 'powershell', 'Modules'))}) + @(($env:PSModulePath -split ':') | Where-Object { $_ -and -not $_.EndsWith('/.local/share/powershell/Modules') })) -join ':'`,
    `Set-Variable -Name HOME -Value ${psQuote(dirs.home)} -Scope Global -Force`,
    `(Get-PSProvider -PSProvider FileSystem).Home = ${psQuote(dirs.home)}`,
    `Set-Location -LiteralPath ${psQuote(dirs.work)}`,
    `[Environment]::CurrentDirectory = ${psQuote(dirs.work)}`,
  ];
}

/**
 * Calamari passes `-NoProfile` when `Octopus.Action.PowerShell.ExecuteWithoutProfile` parses
 * as true (.NET's bool.TryParse: any case, spaces around) and otherwise lets pwsh load the
 * profiles. The interpreter starts with `-NoProfile` before its step exists, so the bootstrap
 * loads the four profiles itself (pwsh's order), with paths worked out for the step's own
 * HOME. `$PROFILE` is set either way: pwsh defines it under `-NoProfile` too.
 */
function profileLines(input: BootstrapInput): string[] {
  const userDir = path.join(input.dirs.home, '.config', 'powershell');
  const profile = [
    `$global:PROFILE = Add-Member -InputObject ${psQuote(path.join(userDir, 'Microsoft.PowerShell_profile.ps1'))} -NotePropertyMembers ([ordered]@{ AllUsersAllHosts = (Join-Path $PSHOME 'profile.ps1'); AllUsersCurrentHost = (Join-Path $PSHOME 'Microsoft.PowerShell_profile.ps1'); CurrentUserAllHosts = ${psQuote(path.join(userDir, 'profile.ps1'))}; CurrentUserCurrentHost = ${psQuote(path.join(userDir, 'Microsoft.PowerShell_profile.ps1'))} }) -PassThru`,
  ];
  if (isTrue(getVariable(input.variables, 'Octopus.Action.PowerShell.ExecuteWithoutProfile'))) {
    return profile;
  }
  return [
    ...profile,
    `foreach ($__tp_profile in @($PROFILE.AllUsersAllHosts, $PROFILE.AllUsersCurrentHost, $PROFILE.CurrentUserAllHosts, $PROFILE.CurrentUserCurrentHost)) { if ([IO.File]::Exists($__tp_profile)) { . $__tp_profile } }`,
    'Remove-Variable -Name __tp_profile -Scope Global -ErrorAction SilentlyContinue',
  ];
}

/**
 * The trace level `Octopus.Action.PowerShell.PSDebug.Trace` asks for, read as Calamari's
 * GetPsDebugCommand does: a whole number (.NET's int.TryParse: spaces and a sign allowed), or
 * a boolean (bool.TryParse: `true` in any case), which means level 2. 0 for anything else.
 */
export function traceLevel(value: string | undefined): number {
  if (value === undefined) return 0;
  if (/^\s*[+-]?\d+\s*$/.test(value)) return Math.max(0, Number.parseInt(value, 10));
  return isTrue(value) ? 2 : 0;
}

/** `Octopus.Action.PowerShell.PSDebug.Trace` / `.Strict`, as Calamari's command line sets them. */
function psDebugLines(input: BootstrapInput): string[] {
  const trace = traceLevel(getVariable(input.variables, 'Octopus.Action.PowerShell.PSDebug.Trace'));
  const strict = isTrue(getVariable(input.variables, 'Octopus.Action.PowerShell.PSDebug.Strict'));
  if (trace >= 1 && trace <= 2) return [`Set-PSDebug -Trace ${trace}${strict ? ' -Strict' : ''}`];
  return [strict ? 'Set-PSDebug -Strict' : 'Set-PSDebug -Trace 0'];
}

function environmentBlock(input: BootstrapInput): string[] {
  const env = input.environment;
  if (!env) return [];
  const lines = [
    'PowerShell Environment Information:',
    `  OperatingSystem: ${env.operatingSystem}`,
    `  CurrentUser: ${env.currentUser}`,
    `  MachineName: ${env.hostName}`,
    `  ProcessorCount: ${env.processorCount}`,
    `  CurrentDirectory: ${input.dirs.work}`,
    `  TempDirectory: ${input.dirs.tmp}`,
  ];
  // One write. $PSVersionTable as Calamari's Log-VersionTable prints it (Out-String -Width
  // 200, a Name/Value table), then the information lines; the interpreter's warm-up has
  // already formatted it once, so the formatting engine costs little here.
  return [
    `[Console]::Out.Write((@('##octopus[stdout-verbose]', ($PSVersionTable | Out-String -Width 200).TrimEnd(), ${lines.map(psQuote).join(', ')}, "  HostProcess: pwsh ($PID)", '##octopus[stdout-default]') -join [Environment]::NewLine) + [Environment]::NewLine)`,
  ];
}

function moduleFileName(name: string, index: number): string {
  const stem = moduleFileStem(name);
  // Calamari appends DateTime.Now.Ticks; a counter keeps two modules of one step apart.
  const ticks = BigInt(Date.now()) * 10000n + 621355968000000000n + BigInt(index);
  return `Library_${stem}_${ticks}.psm1`;
}

const BOM = '\ufeff';

/**
 * Lays out a PowerShell step as Calamari does (contract 2.2–2.7), without its encryption:
 * variables travel in a 0600 file that the bootstrap reads and deletes before the user
 * script starts; no key exists, so none can leak.
 */
export function buildPowerShellBootstrap(input: BootstrapInput): BootstrapPlan {
  const { dirs } = input;
  const scriptPath = path.join(dirs.work, 'Script.ps1');
  const variablesPath = path.join(dirs.boot, 'variables');
  const bootstrapPath = path.join(dirs.boot, 'Bootstrap.ps1');
  const envPath = path.join(dirs.boot, 'env');
  const extraEnv = Object.entries(input.extraEnv ?? {});

  const files: BootstrapPlan['files'] = [
    {
      path: variablesPath,
      content: encodePowerShellVariables(input.variables),
      mode: 0o600,
    },
    { path: scriptPath, content: BOM + input.script.replace(/^\ufeff/, ''), mode: 0o644 },
  ];
  if (extraEnv.length > 0) {
    files.push({
      path: envPath,
      content: encodePowerShellVariables(Object.fromEntries(extraEnv)),
      mode: 0o600,
    });
  }

  const imports: string[] = [];
  input.modules
    .filter((m) => m.syntax === 'powershell')
    .forEach((module, index) => {
      const modulePath = path.join(dirs.work, moduleFileName(module.name, index));
      files.push({ path: modulePath, content: module.text, mode: 0o644 });
      imports.push(`Import-ScriptModule ${psQuote(module.name)} ${psQuote(modulePath)}`);
    });

  const locals: string[] = [];
  for (const name of Object.keys(input.variables)) {
    for (const local of localVariableNames(name)) {
      locals.push(`,@(${psQuote(local)}, ${psQuote(name)})`);
    }
  }

  const bootstrap = [
    '# Tidepool PowerShell bootstrap: the step environment, helpers, variables, modules, then',
    '# the user script, dot-sourced. The interpreter was started before the step and knows',
    '# nothing of it; this file is dot-sourced into its global scope.',
    'Remove-Variable -Name __tp_boot -Scope Global -ErrorAction SilentlyContinue',
    ...environmentLines(input),
    ...(extraEnv.length > 0
      ? [
          `foreach ($__tp_line in [IO.File]::ReadAllLines(${psQuote(envPath)})) { $__tp_at = $__tp_line.IndexOf('$'); [Environment]::SetEnvironmentVariable([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($__tp_line.Substring(0, $__tp_at))), [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($__tp_line.Substring($__tp_at + 1)))) }`,
          `[IO.File]::Delete(${psQuote(envPath)})`,
        ]
      : []),
    ...profileLines(input),
    "$ErrorActionPreference = 'Stop'",
    "$PSNativeCommandArgumentPassing = 'Legacy'",
    "$PSStyle.OutputRendering = 'PlainText'",
    ...psDebugLines(input),
    POWERSHELL_HELPERS,
    '$MaximumVariableCount = 32768',
    `$OctopusParameters = [Collections.Generic.Dictionary[string,string]]::new([StringComparer]::OrdinalIgnoreCase)`,
    `foreach ($__tp_line in [IO.File]::ReadAllLines(${psQuote(variablesPath)})) {`,
    "  $__tp_at = $__tp_line.IndexOf('$')",
    '  if ($__tp_at -lt 0) { continue }',
    '  $__tp_value = $__tp_line.Substring($__tp_at + 1)',
    "  $OctopusParameters[[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($__tp_line.Substring(0, $__tp_at)))] = if ($__tp_value -eq 'nul') { $null } else { [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($__tp_value)) }",
    '}',
    `[IO.File]::Delete(${psQuote(variablesPath)})`,
    locals.length
      ? [
          `foreach ($__tp_pair in @(${locals.join('; ')})) {`,
          '  if ($null -eq $ExecutionContext.SessionState.PSVariable.Get($__tp_pair[0])) {',
          '    $ExecutionContext.SessionState.PSVariable.Set($__tp_pair[0], $OctopusParameters[$__tp_pair[1]])',
          '  }',
          '}',
        ].join('\n')
      : '',
    'Remove-Variable -Name __tp_line, __tp_at, __tp_value, __tp_pair -Scope Global -ErrorAction SilentlyContinue',
    // Calamari's bootstrap imports modules in a function of this name; a level-2 trace shows
    // "! CALL function 'Import-CalamariModules'", and scripts written against that see it.
    `function Import-CalamariModules {${imports.length ? `\n${imports.map((l) => `  ${l}`).join('\n')}\n` : ' '}}`,
    'Import-CalamariModules',
    ...environmentBlock(input),
    'try {',
    // The parameters are script text by contract: Octopus pastes them after the path.
    `  . ${psQuote(scriptPath)} ${toLf(input.parameters).replace(/\n/g, ' ')}`,
    '} catch {',
    '  Write-TidepoolErrorRecord $_',
    '  exit 1',
    '}',
    'if (Test-Path -LiteralPath variable:global:LASTEXITCODE) { exit $global:LASTEXITCODE }',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  files.push({ path: bootstrapPath, content: BOM + bootstrap + '\n', mode: 0o600 });

  return {
    interpreter: 'powershell',
    files,
    entry: bootstrapPath,
    // As the bash bootstrap does: credentials handed to the step are masked in its output.
    maskValues: extraEnv.filter(([name]) => /SECRET|TOKEN|PASSWORD/i.test(name)).map(([, v]) => v),
  };
}
