import { resultKey, stepFolder } from '../../../src/bucket/layout';
import { runStep } from '../../../src/pipeline/run-step';
import { MemoryStore } from '../worker/fakes/memory-store';
import { ScriptedHost } from '../worker/fakes/scripted-host';
import { renderStep, type RenderInput } from '../../../src/pipeline/stages/render';
import { InputError } from '../../../src/step/errors';

/** About 20 KB of values that double at every level, and hundreds of names that use the top. */
function doublingVariables(): Record<string, string> {
  const vars: Record<string, string> = { L0: 'abcdefghijklmnop' };
  for (let i = 1; i <= 20; i++) vars[`L${i}`] = `#{L${i - 1}}#{L${i - 1}}`;
  for (let n = 0; JSON.stringify(vars).length < 20_000; n++) vars[`U${n}`] = '#{L20}';
  return vars;
}

function input(over: Partial<RenderInput>): RenderInput {
  return {
    step: { deploymentId: 'd1', stepId: 's1', syntax: 'bash' },
    script: 'echo #{U1}',
    variables: {},
    modules: [],
    verbatim: false,
    ...over,
  };
}

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected the step to be refused');
}

describe('the step’s expansion budget', () => {
  it('refuses 20 KB of nested references within the budget’s time, naming the variable', () => {
    const started = Date.now();
    const error = refusal(() => renderStep(input({ variables: doublingVariables() })));
    // Before the budget this took minutes (every name expanding megabytes anew).
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.code).toBe('input-too-large');
    expect(error.field).toMatch(/^\/variables\/L\d+$/);
    expect(error.message).toMatch(
      /^Variable 'L\d+' expands past the step's expansion budget \(16 Mi characters\)/
    );
  });

  it('is configurable, and counts what every level produces', () => {
    // B produces 2000 characters; the script's #{B} produces them again with B's 2000 inside.
    const variables = { A: 'x'.repeat(1000), B: '#{A}#{A}' };
    expect(renderStep(input({ variables, script: '#{B}', expansionChars: 6000 })).script).toBe(
      'x'.repeat(2000)
    );
    const error = refusal(() =>
      renderStep(input({ variables, script: '#{B}', expansionChars: 1500 }))
    );
    expect(error.field).toBe('/variables/B');
  });

  it('names the script when its own substitution goes past the budget', () => {
    const variables = { A: 'x'.repeat(1000) };
    const script = '#{A}'.repeat(20);
    const error = refusal(() => renderStep(input({ variables, script, expansionChars: 10_000 })));
    expect(error.field).toBe('/script');
  });
});

describe('a step past its expansion budget', () => {
  it('is stored rejected, naming the variable, without running anything', async () => {
    const results = new MemoryStore();
    const host = new ScriptedHost({});
    const message = {
      schemaVersion: 1,
      deploymentId: 'd',
      stepId: 'nested',
      syntax: 'bash',
      script: { inline: 'echo #{U1}' },
      variables: { inline: doublingVariables() },
    };
    const result = await runStep(message, { inputs: new MemoryStore(), results, host });
    expect(result).toMatchObject({ status: 'rejected', error: { code: 'input-too-large' } });
    expect(result.error?.message).toMatch(/^Variable 'L\d+' expands past/);
    expect(results.keysOf('put')).toStrictEqual([resultKey(stepFolder(message))]);
    expect(host.executed).toHaveLength(0);
  });
});
