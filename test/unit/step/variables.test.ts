import { buildVariables, collectModules } from '../../../src/pipeline/variables';
import { parseVariablesDocument } from '../../../src/step/variables';
import type { StepMessage } from '../../../src/step/types';

const step: StepMessage = {
  schemaVersion: 1,
  deploymentId: 'd1',
  stepId: 's1',
  syntax: 'bash',
  script: { inline: '' },
};

describe('buildVariables', () => {
  it('merges sensitive flags from values and from the list', () => {
    const vars = buildVariables(
      { ...step, sensitiveVariables: ['B'] },
      {
        A: { value: 'a', sensitive: true },
        B: 'b',
        C: null,
      }
    );
    expect([...vars.sensitiveNames].sort()).toEqual(['A', 'B']);
    expect(vars.raw.C).toBe('');
  });

  it('adds the step identity unless the variables already set it', () => {
    const vars = buildVariables({ ...step, stepName: 'Deploy' }, { 'octopus.action.name': 'Mine' });
    expect(vars.raw['Octopus.Action.Name']).toBeUndefined();
    expect(vars.raw['Octopus.Deployment.Id']).toBe('d1');
  });

  it('evaluates values that refer to other variables', () => {
    const vars = buildVariables(step, { A: '#{B}-x', B: 'y' });
    expect(vars.evaluated.A).toBe('y-x');
    expect(vars.raw.A).toBe('#{B}-x');
  });
});

describe('collectModules', () => {
  it('reads Octopus module variables and lets explicit modules win by name', () => {
    const vars = buildVariables(step, {
      'Octopus.Script.Module[Helpers]': 'from variable',
      'Octopus.Script.Module.Language[Helpers]': 'Bash',
      'Octopus.Script.Module[PsMod]': 'function F {}',
    });
    const modules = collectModules(
      [{ name: 'helpers', syntax: 'bash', source: { inline: 'explicit' }, text: 'explicit' }],
      vars
    );
    expect(modules).toEqual([
      { name: 'helpers', syntax: 'bash', text: 'explicit' },
      { name: 'PsMod', syntax: 'powershell', text: 'function F {}' },
    ]);
  });
});

describe('parseVariablesDocument', () => {
  it('names the variable with a bad value', () => {
    expect(() => parseVariablesDocument({ Good: 'x', Bad: 3 }, 'vars.json')).toThrow(
      /vars.json: variable 'Bad'/
    );
    expect(() => parseVariablesDocument([], 'vars.json')).toThrow(/must be a JSON object/);
  });
});

describe('bash module file names', () => {
  it('refuses two bash modules that would be written to the same file, or over Script.sh', () => {
    const vars = buildVariables(step, {});
    const bash = (name: string) => ({
      name,
      syntax: 'bash' as const,
      source: { inline: '' },
      text: '',
    });
    expect(() => collectModules([bash('My-Mod'), bash('MyMod')], vars)).toThrow(
      /MyMod.sh, the same file as module 'My-Mod'/
    );
    expect(() => collectModules([bash('Script')], vars)).toThrow(/the script itself/);
  });
});
