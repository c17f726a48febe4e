import { evaluate } from '../../../src/octostache';

/** Behaviour-table helper: `expectEval('#{Foo | ToUpper}', { Foo: 'abc' }, 'ABC')`. */
export function expectEval(
  template: string,
  variables: Record<string, string>,
  expected: string
): void {
  expect(evaluate(template, variables)).toBe(expected);
}
