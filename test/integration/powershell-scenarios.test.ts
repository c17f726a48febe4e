import { killAllGroups } from '../../src/run/script-process';
import { locateInterpreter } from '../../src/run/interpreters';
import { runScript } from '../helpers/cli';
import { expectedFor } from '../helpers/deviations';
import { expectScenario, loadScenarios, variablesDocument } from '../helpers/scenarios';

let pwshProblem = '';
try {
  locateInterpreter('powershell');
} catch (error) {
  pwshProblem = (error as Error).message;
}

describe('PowerShell scenarios through tidepool run', () => {
  beforeAll(() => {
    // Never skipped: without pwsh every test here fails, with this reason first.
    if (pwshProblem) throw new Error(`pwsh is required: ${pwshProblem}`);
  });
  // `tidepool run` starts a replacement interpreter after each step, which the one-shot
  // command never uses: end them so they do not pile up in this test process.
  afterEach(() => killAllGroups());

  const scenarios = loadScenarios('PowerShell');

  it('covers every PowerShell scenario in the reference file', () => {
    expect(scenarios).toHaveLength(21);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))(
    '%s',
    async (_name, scenario) => {
      const run = await runScript(scenario.script, {
        syntax: 'powershell',
        variables: variablesDocument(scenario),
      });
      const expected = expectedFor(scenario);
      expectScenario(run.result, expected);
    },
    60000
  );

  it('shows the error of an unhandled exception on stderr and exits 1', async () => {
    const run = await runScript(
      'function Get-It { throw "boom" }\nGet-It\nWrite-Host "not here"\n',
      {
        syntax: 'powershell',
      }
    );
    expect(run.result.status).toBe('failed');
    expect(run.result.exitCode).toBe(1);
    const errors = run.result.log.filter((l) => l.stream === 'stderr').map((l) => l.text);
    expect(errors[0]).toBe('OperationStopped: boom');
    expect(errors.join('\n')).toMatch(/Script\.ps1:1 char:/);
    expect(errors.join('\n')).toContain('at Get-It, ');
    expect(run.result.log.map((l) => l.text)).not.toContain('not here');
  }, 60000);

  it('imports script modules before the script; a broken one stops the step with exit 1', async () => {
    const good = await runScript('Write-Host (Get-Greeting)\n', {
      syntax: 'powershell',
      variables: {
        'Octopus.Script.Module[Greetings]':
          'function Get-Greeting { "Hello from a module, " + $OctopusParameters["Name"] }',
        Name: 'Ada',
      },
    });
    expect(good.result.status).toBe('succeeded');
    expect(good.result.log.map((l) => l.text)).toContain('Hello from a module, Ada');

    const broken = await runScript('Write-Host "script ran"\n', {
      syntax: 'powershell',
      variables: { 'Octopus.Script.Module[Broken Module]': 'function Oops {' },
    });
    expect(broken.result.status).toBe('failed');
    expect(broken.result.exitCode).toBe(1);
    const texts = broken.result.log.map((l) => l.text);
    expect(
      texts.some((t) =>
        /^Failed to import Script Module 'Broken Module' from '.*\/Library_BrokenModule_\d+\.psm1'$/.test(
          t
        )
      )
    ).toBe(true);
    expect(texts).not.toContain('script ran');
  }, 60000);
});
