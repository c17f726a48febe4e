import { logKey, resultKey, stepFolder } from '../../../src/bucket/layout';
import { DEFAULT_CONFIG } from '../../../src/pipeline/config';
import type { PipelineDeps } from '../../../src/pipeline/deps';
import { runStep } from '../../../src/pipeline/run-step';
import { MemoryStore } from '../worker/fakes/memory-store';
import { ScriptedHost, type Script } from '../worker/fakes/scripted-host';

// The pipeline's decisions on in-memory ports: no process, no disk.

const address = { deploymentId: 'd', stepId: 's1' };
const folder = stepFolder(address);

function step(extra: Record<string, unknown> = {}) {
  return { schemaVersion: 1, ...address, syntax: 'bash', script: { inline: 'echo' }, ...extra };
}

function pipeline(script: Script = {}, over: Partial<PipelineDeps> = {}) {
  const inputs = new MemoryStore();
  const results = new MemoryStore();
  const host = new ScriptedHost(script);
  const deps: PipelineDeps = { inputs, results, host, ...over };
  return { inputs, results, host, deps, run: (message: unknown) => runStep(message, deps) };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const artifact = (name: string) =>
  `##octopus[createArtifact path='${b64(name)}' name='${b64(name)}' length='${b64('1')}']`;

describe('runStep on fake ports', () => {
  it('stores log.txt, then result.json, and cleans the step directory', async () => {
    const p = pipeline({ lines: ['hello'], exitCode: 0 });
    const result = await p.run(step());
    expect(result.status).toBe('succeeded');
    expect(result.outputVariables['Octopus.Action.Script.ExitCode']).toStrictEqual({
      value: '0',
      sensitive: false,
    });
    expect(p.results.keysOf('put')).toStrictEqual([logKey(folder), resultKey(folder)]);
    expect(p.host.cleaned).toHaveLength(1);
  });

  it('fails a clean exit that wrote to stderr when FailScriptOnErrorOutput is True', async () => {
    const p = pipeline({ lines: [['stderr', 'oops']], exitCode: 0 });
    const variables = { inline: { 'Octopus.Action.FailScriptOnErrorOutput': 'True' } };
    const result = await p.run(step({ variables }));
    expect(result).toMatchObject({ status: 'failed', exitCode: -1 });
  });

  it('refuses the artifacts past the limit and records a missing one', async () => {
    const config = { ...DEFAULT_CONFIG, limits: { ...DEFAULT_CONFIG.limits, artifactCount: 1 } };
    const p = pipeline({ lines: [artifact('a.txt'), artifact('b.txt')] }, { config });
    const result = await p.run(step());
    expect(result.artifacts).toStrictEqual([
      { name: 'a.txt', missing: true, sourcePath: 'a.txt' },
      { name: 'b.txt', refused: 'more than 1 artifacts', sourcePath: 'b.txt' },
    ]);
  });

  it('caps the timeout by the deadline and says so first in the log', async () => {
    const p = pipeline();
    const result = await runStep(step({ timeoutSeconds: 3600 }), p.deps, {
      deadlineAt: Date.now() + 65_000,
    });
    expect(result.timeout?.requestedSeconds).toBe(3600);
    expect(result.timeout?.effectiveSeconds).toBeLessThanOrEqual(60);
    expect(result.log[0]).toMatchObject({ level: 'warning', text: /^Timeout: the step asks/ });
    expect(p.host.executed[0]?.timeoutMs).toBeLessThanOrEqual(60_000);
  });

  it('refuses a syntax this worker has no bootstrapper for, before preparing anything', async () => {
    const p = pipeline({}, { bootstrappers: { powershell: undefined } });
    const result = await p.run(step({ syntax: 'powershell' }));
    expect(result.error?.code).toBe('unsupported-syntax');
    expect(p.host.executed).toHaveLength(0);
    expect(p.host.cleaned).toHaveLength(0);
  });

  it('stores an integrity refusal without preparing anything', async () => {
    const p = pipeline();
    const result = await p.run(step({ integrity: { policy: 'AllSigned' } }));
    expect(result.status).toBe('rejected');
    expect(result.error?.code).toBe('integrity');
    expect(p.host.executed).toHaveLength(0);
  });

  it('rejects an earlier step that has no result yet, naming it', async () => {
    const p = pipeline();
    const result = await p.run(step({ previousSteps: ['s0'] }));
    expect(result.error).toStrictEqual({
      code: 'input-missing',
      message: "/previousSteps/0: step 's0' has no result yet",
    });
  });
});

describe('a stored variables document gets the verdict of the same document inline', () => {
  async function both(document: unknown) {
    const stored = pipeline();
    stored.inputs.seed('vars/v.json', JSON.stringify(document));
    return {
      fromStore: await stored.run(step({ variables: { key: 'vars/v.json' } })),
      inline: await pipeline().run(step({ variables: { inline: document } })),
    };
  }

  it.each([
    ['a null value', { A: null }],
    ['an object value', { A: { value: 'a', sensitive: true } }],
  ])('accepted: %s', async (_what, document) => {
    const { fromStore, inline } = await both(document);
    expect([fromStore.status, inline.status]).toStrictEqual(['succeeded', 'succeeded']);
  });

  it.each([
    ['an unknown field', { A: { value: 'a', note: 'x' } }],
    ['a number', { A: 1 }],
  ])('refused, naming the variable: %s', async (_what, document) => {
    const { fromStore, inline } = await both(document);
    expect([fromStore.status, inline.status]).toStrictEqual(['rejected', 'rejected']);
    expect(fromStore.error?.message).toContain("/variables: variable 'A' must be a string");
    expect(inline.error?.message).toContain('/variables/inline/A: must be a string');
  });

  it('names an object that is not JSON', async () => {
    const p = pipeline();
    p.inputs.seed('vars/v.json', '{nope');
    const result = await p.run(step({ variables: { key: 'vars/v.json' } }));
    expect(result.error?.code).toBe('input-invalid');
    expect(result.error?.message).toMatch(/^\/variables: object 'vars\/v.json' is not valid JSON/);
  });
});
