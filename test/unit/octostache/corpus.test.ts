import { argumentNames } from '../../../src/octostache/arguments';
import { VariableDictionary } from '../../../src/octostache/dictionary';
import { parseTemplate } from '../../../src/octostache/parser/template';
import { printTokens } from '../../../src/octostache/print';
import { corpus, type Vector } from './corpus';

/** Vectors that do not pass, with the reason; kept in sync with docs/octostache.md "Deviations". */
const DEVIATIONS: Record<string, string> = {};

function dictionary(v: Vector): VariableDictionary {
  return new VariableDictionary(Object.entries(v.variables));
}

function checkEvaluate(v: Vector): void {
  const d = dictionary(v);
  const template = v.template ?? '';
  if (v.throws) {
    const message = v.throws.replace(/^\w+Exception: /, '');
    expect(() => d.evaluate(template, v.haltOnError ?? true)).toThrow(message);
    return;
  }
  const { text, error } = d.evaluate(template, v.haltOnError ?? true);
  const actual = v.compare === 'trim' && text !== null ? text.trim() : text;
  if (v.expectedAnyOf) expect(v.expectedAnyOf).toContainEqual(actual);
  expect(actual).toBe(v.expected);
  if (typeof v.expectedError === 'string') expect(error).toBe(v.expectedError);
  if (v.expectedError === true) expect(error).not.toBeNull();
  if (v.expectedError === false) expect(error).toBeNull();
}

function checkApi(v: Vector): void {
  const d = dictionary(v);
  const name = v.name ?? '';
  const template = v.template ?? '';
  switch (v.api) {
    case 'get':
      expect(d.get(name)).toBe(v.expected);
      if (v.expectedError === true) expect(d.evaluate(d.getRaw(name) ?? '').error).not.toBeNull();
      return;
    case 'getRaw':
      return expect(d.getRaw(name)).toBe(v.expected);
    case 'getFlag':
      return expect(d.getFlag(name, (v.args?.[0] as boolean | undefined) ?? false)).toBe(
        v.expected
      );
    case 'getInt32':
      return expect(d.getInt32(name)).toBe(v.expected);
    case 'require':
      expect(() => d.require(name)).toThrow();
      return;
    case 'evaluateTruthy':
      return expect(d.evaluateTruthy(template)).toBe(v.expected);
    case 'getIndexes':
      return expect(d.getIndexes(name)).toStrictEqual(v.expected);
    case 'tryParse': {
      const parsed = parseTemplate(template, v.haltOnError ?? true);
      return expect(parsed.ok).toBe(v.expected);
    }
    case 'parsedToString': {
      const parsed = parseTemplate(template, true);
      if (!parsed.ok) throw parsed.error;
      return expect(printTokens(parsed.template.tokens)).toBe(v.expected);
    }
    case 'argumentNames': {
      const names = argumentNames(template);
      for (const n of v.expected as string[]) expect(names).toContain(n);
      for (const n of v.expectedAbsent ?? []) expect(names).not.toContain(n);
      return;
    }
    case 'saveAsString':
      return expect(d.saveAsString()).toBe(v.expected);
    default:
      throw new Error(`unknown api ${v.api}`);
  }
}

function check(v: Vector): void {
  if (v.api) checkApi(v);
  else checkEvaluate(v);
}

const runnable = corpus.filter((v) => !v.skip);

describe('Octostache corpus', () => {
  it('has the expected shape', () => {
    expect(corpus).toHaveLength(643);
    expect(corpus.filter((v) => v.skip).every((v) => typeof v.skip === 'string')).toBe(true);
  });

  it('lists only real vectors as deviations', () => {
    const ids = new Set(corpus.map((v) => v.id));
    for (const id of Object.keys(DEVIATIONS)) expect(ids).toContain(id);
    expect(Object.keys(DEVIATIONS).length).toBeLessThanOrEqual(5);
  });

  describe.each(
    [...new Set(runnable.map((v) => v.area))].map(
      (area) => [area, runnable.filter((v) => v.area === area)] as const
    )
  )('%s', (_area, vectors) => {
    const passing = vectors.filter((v) => !(v.id in DEVIATIONS));
    const failing = vectors.filter((v) => v.id in DEVIATIONS);
    if (passing.length) it.each(passing.map((v) => [v.id, v] as const))('%s', (_id, v) => check(v));
    if (failing.length)
      it.failing.each(failing.map((v) => [v.id, v] as const))('%s (deviation)', (_id, v) =>
        check(v)
      );
  });
});
