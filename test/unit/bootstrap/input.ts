import type { BootstrapInput } from '../../../src/bootstrap/plan';

/** A step's folders, under /s. */
export const dirs = { work: '/s/work', boot: '/s/boot', home: '/s/home', tmp: '/s/tmp' };

/** What a bootstrap is built from: `script`, one variable, no modules, in `dirs`. */
export function bootstrapInput(
  script: string,
  overrides: Partial<BootstrapInput> = {}
): BootstrapInput {
  return {
    script,
    variables: { A: '1' },
    rawVariables: { A: '1' },
    modules: [],
    parameters: '',
    environment: undefined,
    dirs,
    ...overrides,
  };
}
