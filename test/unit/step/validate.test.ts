import { parseStep, validateStep, formatProblems } from '../../../src/step/validate';

const valid = {
  schemaVersion: 1,
  deploymentId: 'deploy-1',
  stepId: 'step-1',
  syntax: 'bash',
  script: { inline: 'echo hi' },
};

function problems(message: unknown): string {
  const parsed = validateStep(message);
  if (parsed.ok) throw new Error('expected the message to be invalid');
  return formatProblems(parsed.problems);
}

describe('validateStep', () => {
  it('accepts a minimal message and a full one', () => {
    expect(validateStep(valid).ok).toBe(true);
    const full = {
      ...valid,
      stepName: 'Deploy web',
      variables: { inline: { A: 'x', B: null, C: { value: 's', sensitive: true } } },
      sensitiveVariables: ['A'],
      modules: [{ name: 'Helpers', syntax: 'bash', source: { key: 'modules/h.sh' } }],
      parameters: '-x 1',
      timeoutSeconds: 60,
      queuedAt: '2026-11-28T06:00:00Z',
    };
    expect(validateStep(full).ok).toBe(true);
  });

  it('names a missing field', () => {
    const { script: _script, ...rest } = valid;
    expect(problems(rest)).toBe('/script: is required');
  });

  it('names an unknown field, so a typo is caught', () => {
    expect(problems({ ...valid, timoutSeconds: 5 })).toBe('/timoutSeconds: is not a known field');
  });

  it('lists the allowed values of an enum', () => {
    expect(problems({ ...valid, syntax: 'python' })).toBe(
      '/syntax: must be one of "bash", "powershell"'
    );
  });

  it('rejects an unsupported schema version', () => {
    expect(problems({ ...valid, schemaVersion: 2 })).toBe('/schemaVersion: must be 1');
  });

  it('rejects ids and keys that could escape their place', () => {
    expect(problems({ ...valid, stepId: '../x' })).toContain(
      '/stepId: has a value that is not allowed'
    );
    expect(problems({ ...valid, script: { key: 'a/../../b' } })).toContain('/script/key');
    expect(problems({ ...valid, script: { key: 'a//b.sh' } })).toContain('/script/key');
    expect(problems({ ...valid, script: { key: 'dir/' } })).toContain('/script/key');
  });

  it('explains a source that is neither inline nor key', () => {
    expect(problems({ ...valid, script: { text: 'echo' } })).toContain(
      '/script/text: is not a known field'
    );
  });

  it('checks numbers and types of nested values', () => {
    expect(problems({ ...valid, timeoutSeconds: 0 })).toBe('/timeoutSeconds: must be >= 1');
    expect(problems({ ...valid, variables: { inline: { A: 5 } } })).toContain(
      '/variables/inline/A'
    );
  });

  it('keeps the address of an invalid message that names valid ids', () => {
    const parsed = validateStep({ ...valid, syntax: 'cmd' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.address).toEqual({ deploymentId: 'deploy-1', stepId: 'step-1' });
    const unaddressable = validateStep({ stepId: 'x' });
    expect(!unaddressable.ok && unaddressable.address).toBeUndefined();
  });
});

describe('parseStep', () => {
  it('reports a body that is not JSON', () => {
    const parsed = parseStep('{nope');
    expect(!parsed.ok && formatProblems(parsed.problems)).toMatch(/^\/: is not valid JSON/);
  });

  it('bounds the body size before parsing', () => {
    const parsed = parseStep(JSON.stringify({ ...valid, parameters: 'x'.repeat(2000) }), 1000);
    expect(!parsed.ok && formatProblems(parsed.problems)).toMatch(/limit is 1000/);
  });
});

describe('the compiled step validator', () => {
  it('is generated from the current schemas/step.schema.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const check = spawnSync(process.execPath, ['scripts/compile-schemas.mjs', '--check'], {
      cwd: `${__dirname}/../../..`,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
