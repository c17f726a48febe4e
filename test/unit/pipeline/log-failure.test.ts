import { logKey, resultKey, stepFolder } from '../../../src/bucket/layout';
import type { LogSink } from '../../../src/pipeline/ports';
import { runStep } from '../../../src/pipeline/run-step';
import { MemoryStore } from '../worker/fakes/memory-store';
import { ScriptedHost } from '../worker/fakes/scripted-host';

// The worker's disk filling up while the log is written: the step is over, so its result is
// stored (failed, with the log so far), never lost and never handed back to be run again.

class FullDiskHost extends ScriptedHost {
  override openLog(): LogSink {
    return {
      append: () => undefined,
      close: () => Promise.reject(new Error('ENOSPC: no space left on device, write')),
    };
  }
}

const address = { deploymentId: 'd', stepId: 'full' };
const step = { schemaVersion: 1, ...address, syntax: 'bash', script: { inline: 'echo' } };

describe('a log that cannot be written', () => {
  it('stores a failed result with the log so far, and log.txt from it', async () => {
    const results = new MemoryStore();
    const host = new FullDiskHost({ lines: ['first line', 'second line'], exitCode: 0 });
    const result = await runStep(step, { inputs: new MemoryStore(), results, host });
    expect(result.status).toBe('failed');
    expect(result.exitCode).toBe(0);
    const texts = result.log.map((l) => l.text);
    expect(texts).toContain('second line');
    expect(texts.at(-1)).toBe(
      "The step's log could not be written on the worker (ENOSPC: no space left on device, write): log.txt holds only what result.json does"
    );
    const folder = stepFolder(address);
    expect(results.keysOf('put')).toStrictEqual([logKey(folder), resultKey(folder)]);
    const stored = JSON.parse(String(await results.get(resultKey(folder), 1 << 20)));
    expect(stored.status).toBe('failed');
    expect(String(await results.get(logKey(folder), 1 << 20))).toContain('second line');
    expect(host.cleaned).toHaveLength(1);
  });
});
