import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAddress } from '../../../src/cli/stack-client';
import { generatedId, isId, uuidv7 } from '../../../src/step/ids';
import { validateStep } from '../../../src/step/validate';

const step = (ids: { deploymentId: string; stepId: string }) => ({
  schemaVersion: 1,
  ...ids,
  syntax: 'bash',
  script: { inline: 'true' },
});

describe('step ids', () => {
  it('take the timestamps events carry, in the schema, the worker and the CLI alike', () => {
    const ids = { deploymentId: 'nightly', stepId: '2026-12-04T18:24:06Z' };
    expect(validateStep(step(ids)).ok).toBe(true);
    expect(parseAddress('nightly/2026-12-04T18:24:06Z')).toEqual(ids);
    expect(parseAddress('2026-12-04T18:24:06Z')).toEqual({ ...ids, deploymentId: 'local' });
  });

  it('are one definition: the published schema’s', () => {
    const schema = JSON.parse(
      readFileSync(path.join(__dirname, '../../../schemas/step.schema.json'), 'utf8')
    ) as { definitions: { id: { pattern: string } } };
    const published = new RegExp(schema.definitions.id.pattern, 'u');
    for (const text of ['a', 'a:b', ':a', 'a/b', 'a b', '-a', 'x'.repeat(128), 'x'.repeat(129)])
      expect(isId(text)).toBe(published.test(text));
  });

  it.each([':leading', '../x', 'a/b', 'a b', 'x'.repeat(129), ''])('refuse %j', (id) => {
    expect(isId(id)).toBe(false);
    const parsed = validateStep(step({ deploymentId: 'd', stepId: id }));
    expect(parsed.ok).toBe(false);
  });

  it('name the rule when an address is wrong', () => {
    expect(() => parseAddress('d/a b')).toThrow(/letters, digits, '\.', '_', ':' and '-'/);
  });
});

describe('generated ids', () => {
  it('are the file’s stem and a UUIDv7, and fit the id pattern even from a long odd name', () => {
    expect(generatedId('deploy')).toMatch(
      /^deploy-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    );
    for (const stem of ['x'.repeat(300), '..hidden', 'weird name:with/stuff', ''])
      expect(isId(generatedId(stem))).toBe(true);
    expect(generatedId('')).toMatch(/^step-/);
  });

  it('sort by the time they were made and never repeat', () => {
    const earlier = uuidv7(Date.UTC(2026, 11, 4, 18, 24, 6));
    const later = uuidv7(Date.UTC(2026, 11, 4, 18, 24, 7));
    expect(earlier < later).toBe(true);
    // The first 48 bits are the milliseconds since 1970.
    expect(earlier.replace(/-/g, '').slice(0, 12)).toBe(
      Date.UTC(2026, 11, 4, 18, 24, 6).toString(16).padStart(12, '0')
    );
    const many = new Set(Array.from({ length: 10_000 }, () => uuidv7(0)));
    expect(many.size).toBe(10_000);
  });
});
