import { expectScenario, loadScenarios, variablesDocument } from '../helpers/scenarios';
import { runScript } from '../helpers/cli';
import { expectedFor } from '../helpers/deviations';

describe('Bash scenarios through tidepool run', () => {
  const scenarios = loadScenarios('Bash');

  it('covers every Bash scenario in the reference file', () => {
    expect(scenarios).toHaveLength(21);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const run = await runScript(scenario.script, {
      syntax: 'bash',
      variables: variablesDocument(scenario),
    });
    const expected = expectedFor(scenario);
    expectScenario(run.result, expected);
  });
});
