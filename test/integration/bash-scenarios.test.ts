import {
  expectScenario,
  loadScenarios,
  variablesDocument,
  type Scenario,
} from '../helpers/scenarios';
import { runScript } from '../helpers/cli';

/**
 * Deliberate fixes of Calamari quirks (contract section 10), documented in
 * docs/compatibility.md: the test asserts Tidepool's documented behaviour instead.
 */
const DEVIATIONS: Record<string, (e: Scenario['expect']) => Scenario['expect']> = {
  // A missing artifact still stops the script with 127, but with a clear message instead of
  // bash's "error_exit: command not found".
  'bash-artifact-missing-file-fails-script': (e) => ({
    ...e,
    logContains: ['Collecting missing.txt as an artifact...', "there is no file at 'missing.txt'"],
  }),
  // No transport key exists, so nothing is exposed: $sensitiveVariableKey is empty.
  'bash-decryption-key-is-masked': (e) => ({
    ...e,
    logContains: [],
    logLevels: [{ level: 'info', text: 'key=' }],
  }),
};

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
    const expected = DEVIATIONS[scenario.name]?.(scenario.expect) ?? scenario.expect;
    expectScenario(run.result, expected);
  });
});
