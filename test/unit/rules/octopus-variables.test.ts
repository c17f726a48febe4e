import {
  getVariable,
  isScriptModuleVariable,
  isTrue,
  moduleLanguageVariable,
  moduleVariable,
} from '../../../src/rules/octopus-variables';

describe('getVariable', () => {
  const vars = { 'Octopus.Action.Name': 'exact', 'octopus.action.name': 'folded', Other: 'o' };

  it('prefers the exact name, then any case', () => {
    expect(getVariable(vars, 'Octopus.Action.Name')).toBe('exact');
    expect(getVariable(vars, 'OCTOPUS.ACTION.NAME')).toBe('exact');
    expect(getVariable({ other: 'o' }, 'OTHER')).toBe('o');
  });

  it('is undefined for a name that is not there', () => {
    expect(getVariable(vars, 'Missing')).toBeUndefined();
  });
});

describe('isTrue', () => {
  it.each([
    ['True', true],
    [' true ', true],
    ['TRUE', true],
    ['1', false],
    ['yes', false],
    [undefined, false],
  ])('%s → %s', (value, expected) => {
    expect(isTrue(value)).toBe(expected);
  });
});

describe('moduleVariable', () => {
  it.each([
    ['Octopus.Script.Module[My Lib]', { part: 'code', module: 'My Lib' }],
    ['octopus.script.module[Lib]', { part: 'code', module: 'Lib' }],
    ['Octopus.Script.Module.Language[My Lib]', { part: 'language', module: 'My Lib' }],
    ['Octopus.Script.Module[]', undefined],
    ['Octopus.Script.Module[Lib', undefined],
    ['Octopus.Script.Modules[Lib]', undefined],
    ['Octopus.Action.Name', undefined],
  ])('%s', (name, expected) => {
    expect(moduleVariable(name)).toStrictEqual(expected);
  });

  it('a module is its code variable; the language variable names the same module', () => {
    expect(isScriptModuleVariable('Octopus.Script.Module[Lib]')).toBe(true);
    expect(isScriptModuleVariable(moduleLanguageVariable('Lib'))).toBe(false);
    expect(moduleVariable(moduleLanguageVariable('Lib'))).toStrictEqual({
      part: 'language',
      module: 'Lib',
    });
  });
});
