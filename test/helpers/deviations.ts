import type { Scenario } from './scenarios';

/** Rewrites a scenario's expectations to Tidepool's documented behaviour. */
export type Deviation = (e: Scenario['expect']) => Scenario['expect'];

/**
 * Deliberate fixes of Calamari quirks in bash steps (contract section 10), documented in
 * docs/compatibility.md: the scenario tests assert Tidepool's documented behaviour instead.
 */
export const BASH_DEVIATIONS: Readonly<Record<string, Deviation>> = {
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

/**
 * Where Tidepool (on pwsh 7.6) deliberately differs from a PowerShell scenario's expectation;
 * each is documented in docs/compatibility.md, and the tests assert Tidepool's behaviour instead.
 */
export const POWERSHELL_DEVIATIONS: Readonly<Record<string, Deviation>> = {
  // The scenario (inferred, never executed) expects the bare message as the error line. pwsh 7
  // renders a non-terminating error from a script file in its ConciseView: the position block
  // with the message as its last line, all at error level on stderr. Tidepool keeps pwsh's own
  // rendering (plain text, no ANSI colours) rather than reformatting error records.
  'ps-error-action-continue-keeps-going': (e) => ({
    ...e,
    logLevels: [{ level: 'error', text: '     | soft failure' }],
  }),
};

/** A scenario's expectations with its documented deviation (if any) applied. */
export function expectedFor(s: Scenario): Scenario['expect'] {
  const deviations = s.syntax === 'Bash' ? BASH_DEVIATIONS : POWERSHELL_DEVIATIONS;
  return deviations[s.name]?.(s.expect) ?? s.expect;
}
