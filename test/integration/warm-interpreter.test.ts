import * as path from 'node:path';
import { runStep } from '../../src/pipeline/run-step';
import { LocalHost } from '../../src/run/local-host';
import { FsObjectStore } from '../../src/store/fs-store';
import { tempDir } from '../helpers/cli';
import { bashStep } from '../helpers/pipeline';

function setup(warm: boolean) {
  const root = tempDir('tidepool-warm-');
  const host = new LocalHost(path.join(root, 'steps'), process.env, warm);
  const deps = {
    inputs: new FsObjectStore(root),
    results: new FsObjectStore(path.join(root, 'r')),
    host,
  };
  return { host, deps };
}

const PROBE = [
  'echo "pid=$$"',
  'echo "home=$HOME"',
  'echo "tmp=$TMPDIR"',
  'echo "pwd=$PWD"',
  'echo "real=$(pwd -P)"',
  'echo "oldpwd=${OLDPWD-unset}"',
  'echo "boot=${__tp_boot-unset}"',
  'echo "secret=$(get_octopusvariable Secret)"',
].join('\n');

function values(log: Array<{ text: string }>): Record<string, string> {
  return Object.fromEntries(
    log
      .map((l) => l.text)
      .filter((t) => /^[a-z]+=/.test(t))
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)])
  );
}

describe('warm bash interpreter', () => {
  it('runs a step in the interpreter started ahead of it, with the step’s own environment', async () => {
    const { host, deps } = setup(true);
    try {
      host.prewarm('bash');
      await new Promise((r) => setTimeout(r, 200));
      const warm = values(
        (await runStep(bashStep(PROBE, { variables: { inline: { Secret: 'first' } } }), deps)).log
      );
      const next = values(
        (await runStep(bashStep(PROBE, { variables: { inline: { Secret: 'second' } } }), deps)).log
      );
      for (const v of [warm, next]) {
        expect(v.home).toMatch(/tidepool-step-[^/]+\/home$/);
        expect(v.tmp).toMatch(/tidepool-step-[^/]+\/tmp$/);
        expect(v.pwd).toMatch(/tidepool-step-[^/]+\/work$/);
        expect(v.real).toBe(v.pwd);
        expect(v.oldpwd).toBe('unset');
        expect(v.boot).toBe('unset');
      }
      expect(warm.secret).toBe('first');
      expect(next.secret).toBe('second');
      // A fresh process per step: nothing carries over.
      expect(next.pid).not.toBe(warm.pid);
      expect(next.home).not.toBe(warm.home);
    } finally {
      host.close();
    }
  });

  it('behaves the same cold, with no interpreter waiting', async () => {
    const { host, deps } = setup(false);
    const cold = values(
      (await runStep(bashStep(PROBE, { variables: { inline: { Secret: 'cold' } } }), deps)).log
    );
    expect(cold.secret).toBe('cold');
    expect(cold.pwd).toMatch(/\/work$/);
    expect(cold.oldpwd).toBe('unset');
    host.close();
  });

  it('replaces a broken waiting interpreter transparently', async () => {
    const { host, deps } = setup(true);
    try {
      host.prewarm('bash');
      await new Promise((r) => setTimeout(r, 200));
      const pid = host.waitingPid('bash');
      expect(pid).toBeDefined();
      process.kill(pid ?? 0, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
      const result = await runStep(bashStep('echo survived'), deps);
      expect(result.status).toBe('succeeded');
      expect(result.log.map((l) => l.text)).toContain('survived');
    } finally {
      host.close();
    }
  });
});
