import { renderStep, type RenderInput } from '../../../src/pipeline/stages/render';

const SIGNED =
  "Write-Host '#{X}'\r\n# SIG # Begin signature block\r\n# MIIabc\r\n# SIG # End signature block\r\n";

function input(over: Partial<RenderInput> = {}): RenderInput {
  return {
    step: { deploymentId: 'd1', stepId: 's1', syntax: 'bash' },
    script: 'echo #{X}',
    variables: { X: '1' },
    modules: [],
    verbatim: false,
    ...over,
  };
}

describe('the render stage', () => {
  it('substitutes the script with the step’s variables, its identity included', () => {
    const rendered = renderStep(input({ script: 'echo #{X} #{Octopus.Action.Id}' }));
    expect(rendered.script).toBe('echo 1 s1');
  });

  it('keeps the script byte-identical when the step runs it verbatim', () => {
    expect(renderStep(input({ verbatim: true })).script).toBe('echo #{X}');
  });

  it('drops a PowerShell signature block that substitution made stale, and only then', () => {
    const powershell = { deploymentId: 'd1', stepId: 's1', syntax: 'powershell' as const };
    expect(renderStep(input({ step: powershell, script: SIGNED })).script).toBe("Write-Host '1'");
    const unchanged = SIGNED.replace('#{X}', 'x');
    expect(renderStep(input({ step: powershell, script: unchanged })).script).toBe(unchanged);
    expect(renderStep(input({ script: SIGNED })).script).toContain('# SIG # Begin');
  });

  it('takes the parameters from the step, else from Octopus.Action.Script.ScriptParameters', () => {
    const variables = { X: '1', 'octopus.action.script.scriptparameters': '-Y #{X}' };
    expect(renderStep(input({ variables })).parameters).toBe('-Y 1');
    const step = { deploymentId: 'd1', stepId: 's1', syntax: 'bash' as const, parameters: '#{X}!' };
    expect(renderStep(input({ step, variables })).parameters).toBe('1!');
  });

  it('masks the sensitive values, as given and as evaluated', () => {
    const rendered = renderStep(
      input({
        step: { deploymentId: 'd1', stepId: 's1', syntax: 'bash', sensitiveVariables: ['Key'] },
        variables: { Key: 'k-#{X}', Secret: { value: 'hush', sensitive: true }, X: 'one' },
      })
    );
    expect(rendered.masker.apply('k-#{X} k-one hush one')).toBe('******** ******** ******** one');
  });

  it('collects script modules from variables and explicit modules', () => {
    const rendered = renderStep(
      input({
        variables: {
          'Octopus.Script.Module[Lib]': 'lib() { :; }',
          'Octopus.Script.Module.Language[Lib]': 'Bash',
        },
        modules: [{ name: 'Other', syntax: 'bash', source: { inline: 'x' }, text: 'x' }],
      })
    );
    expect(rendered.modules).toStrictEqual([
      { name: 'Lib', syntax: 'bash', text: 'lib() { :; }' },
      { name: 'Other', syntax: 'bash', text: 'x' },
    ]);
  });
});
