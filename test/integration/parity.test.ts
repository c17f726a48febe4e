import type { StepResult } from '../../src/step/result';
import { locateInterpreter } from '../../src/run/interpreters';
import { LocalHost } from '../../src/run/local-host';
import type { StepMessage, Syntax } from '../../src/step/types';
import { harness } from '../helpers/pipeline';

let pwshProblem = '';
try {
  locateInterpreter('powershell');
} catch (error) {
  pwshProblem = (error as Error).message;
}

interface Behaviour {
  name: string;
  bash: string;
  powershell: string;
  variables?: Record<string, string | { value: string; sensitive: boolean }>;
  /** Where the contract itself differs between the languages (asserted, not hidden). */
  exitCodes?: { bash: number; powershell: number };
  /** Lines only Calamari's bash helpers write (contract 3.4), checked and then set aside. */
  bashOnly?: string[];
}

const BEHAVIOURS: Behaviour[] = [
  {
    name: 'variables: evaluated values, case-sensitive in bash and case-insensitive in PowerShell',
    bash: 'echo "name=$(get_octopusvariable "App.Name")"\necho "greeting=$(get_octopusvariable Greeting)"',
    powershell:
      'Write-Host "name=$($OctopusParameters[\'app.name\'])"\nWrite-Host "greeting=$($OctopusParameters[\'Greeting\'])"',
    variables: { 'App.Name': 'Tidepool', Greeting: 'Hello #{App.Name}' },
  },
  {
    name: 'output variables, plain and sensitive, and masking from then on',
    bash: 'set_octopusvariable Colour blue\nset_octopusvariable Token "tok-123456" -sensitive\necho "token is tok-123456"',
    powershell:
      'Set-OctopusVariable -name Colour -value blue\nSet-OctopusVariable -name Token -value "tok-123456" -sensitive\nWrite-Host "token is tok-123456"',
  },
  {
    name: 'sensitive input variables are masked in every line, also inside other text',
    bash: 'echo "pw=$(get_octopusvariable DB.Password)"\necho "url=https://u:$(get_octopusvariable DB.Password)@db"',
    powershell:
      'Write-Host "pw=$($OctopusParameters[\'DB.Password\'])"\nWrite-Host "url=https://u:$($DBPassword)@db"',
    variables: { 'DB.Password': { value: 'S3cr3t-pa55', sensitive: true } },
  },
  {
    name: 'artifacts: default and custom names, length from the file',
    bash: 'printf abc > report.txt\nnew_octopusartifact report.txt\nnew_octopusartifact "$PWD/report.txt" renamed.txt',
    powershell:
      'Set-Content -Path report.txt -Value \'abc\' -NoNewline\nNew-OctopusArtifact report.txt\nNew-OctopusArtifact -Path "$PWD/report.txt" -Name renamed.txt',
    // new_octopusartifact announces itself at info level; New-OctopusArtifact does not.
    bashOnly: [
      'Collecting report.txt as an artifact...',
      'Collecting <step>/work/report.txt as an artifact...',
    ],
  },
  {
    name: 'log levels: verbose, highlight, wait, warning, then info again',
    bash: 'write_verbose "v line"\nwrite_highlight "h line"\nwrite_wait "w line"\nwrite_warning "warn line"\necho "info line"',
    powershell:
      'Write-Verbose "v line"\nWrite-Highlight "h line"\nWrite-Wait "w line"\nWrite-Warning "warn line"\nWrite-Host "info line"',
  },
  {
    name: 'progress',
    bash: 'update_progress 25 "quarter"\nupdate_progress 100 "done"',
    powershell: 'Update-Progress 25 "quarter"\nUpdate-Progress 100 "done"',
  },
  {
    name: 'fail step with a message: the script stops, the message is the failure summary',
    bash: 'echo before\nfail_step "Database is unreachable"\necho after',
    powershell: 'Write-Host before\nFail-Step "Database is unreachable"\nWrite-Host after',
    // Calamari's own inconsistency (contract 5.3): bash exits 1, PowerShell -1 (255 on Linux).
    exitCodes: { bash: 1, powershell: 255 },
  },
  {
    name: 'exit codes: an explicit exit',
    bash: 'echo going\nexit 3',
    powershell: 'Write-Host going\nexit 3',
  },
  {
    name: 'exit codes: the last native command decides',
    bash: "sh -c 'exit 0'\nsh -c 'exit 7'",
    powershell: "& sh -c 'exit 0'\n& sh -c 'exit 7'",
  },
  {
    name: 'exit codes: a successful script',
    bash: 'echo fine',
    powershell: 'Write-Host fine',
  },
  {
    name: 'stderr is logged at error level and does not fail the step',
    bash: 'echo "to stderr" >&2\necho after',
    powershell: '[Console]::Error.WriteLine("to stderr")\nWrite-Host after',
  },
];

function step(syntax: Syntax, script: string, b: Behaviour): StepMessage {
  return {
    schemaVersion: 1,
    deploymentId: 'parity',
    stepId: `${syntax}-${Math.random().toString(36).slice(2, 10)}`,
    stepName: 'Parity',
    syntax,
    script: { inline: script },
    variables: {
      inline: { 'Octopus.Action.Script.SuppressEnvironmentLogging': 'True', ...b.variables },
    },
  };
}

/** What must be equal: everything a deployment sees, with the step's own paths blanked. */
function observable(r: StepResult) {
  const blank = (t: string) => t.replace(/\/[^\s'"]*\/tidepool-step-[^/\s]+/g, '<step>');
  return {
    status: r.status,
    failureMessage: r.failureMessage,
    outputVariables: Object.fromEntries(
      Object.entries(r.outputVariables).filter(([n]) => n !== 'Octopus.Action.Script.ExitCode')
    ),
    artifacts: r.artifacts.map((a) => ({
      name: a.name,
      sourcePath: blank(a.sourcePath),
      ...('size' in a ? { size: a.size, sha256: a.sha256 } : {}),
    })),
    progress: r.progress,
    // stdout and stderr are separate pipes: only the order within each stream is defined.
    log: [...r.log]
      .sort((a, b) => a.stream.localeCompare(b.stream))
      .map((l) => ({ level: l.level, stream: l.stream, text: blank(l.text) })),
  };
}

describe('parity: the same behaviours in bash and PowerShell give equal results', () => {
  const h = harness();
  beforeAll(() => {
    if (pwshProblem) throw new Error(`pwsh is required: ${pwshProblem}`);
    (h.deps.host as LocalHost).prewarm('powershell');
    (h.deps.host as LocalHost).prewarm('bash');
  });
  afterAll(() => (h.deps.host as LocalHost).close());

  it.each(BEHAVIOURS.map((b) => [b.name, b] as const))(
    '%s',
    async (_name, b) => {
      const bash = await h.run(step('bash', b.bash, b));
      const ps = await h.run(step('powershell', b.powershell, b));
      const fromBash = observable(bash);
      const bashOnly = fromBash.log.filter((l) => b.bashOnly?.includes(l.text));
      expect(bashOnly.map((l) => l.text)).toEqual(b.bashOnly ?? []);
      fromBash.log = fromBash.log.filter((l) => !b.bashOnly?.includes(l.text));
      expect(observable(ps)).toEqual(fromBash);
      const codes = b.exitCodes ?? { bash: bash.exitCode, powershell: bash.exitCode };
      expect(bash.exitCode).toBe(codes.bash);
      expect(ps.exitCode).toBe(codes.powershell);
      expect(ps.outputVariables['Octopus.Action.Script.ExitCode']?.value).toBe(
        String(codes.powershell)
      );
    },
    60000
  );

  it('really runs: spot checks of the shared results', async () => {
    const b = BEHAVIOURS[2] as Behaviour;
    const ps = await h.run(step('powershell', b.powershell, b));
    expect(ps.log.map((l) => l.text)).toEqual(['pw=********', 'url=https://u:********@db']);
    const o = BEHAVIOURS[1] as Behaviour;
    const out = await h.run(step('powershell', o.powershell, o));
    expect(out.outputVariables.Token).toEqual({ value: 'tok-123456', sensitive: true });
    expect(out.log.map((l) => l.text)).toEqual(['token is ********']);
  }, 60000);
});
