import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../../src/pipeline/config';
import { bashStep, harness } from '../helpers/pipeline';

// The bounds of a step's outputs, on a real bash and the filesystem store.

describe('bounds of a step', () => {
  it('bounds the step’s artifacts in all, counting sparse files by their apparent size', async () => {
    const h = harness({ limits: { ...DEFAULT_CONFIG.limits, artifactTotalBytes: 10 * 1024 } });
    const script = [
      'head -c 6144 /dev/zero > a.bin; new_octopusartifact a.bin',
      'truncate -s 6K b.bin; new_octopusartifact b.bin',
      'head -c 4096 /dev/zero > c.bin; new_octopusartifact c.bin',
      'truncate -s 10G huge.bin; new_octopusartifact huge.bin',
    ].join('\n');
    const result = await h.run(bashStep(script));
    expect(result.status).toBe('succeeded');
    expect(result.artifacts).toMatchObject([
      { name: 'a.bin', size: 6144 },
      {
        name: 'b.bin',
        refused: "6144 bytes would take the step's artifacts past 10240 bytes in all",
      },
      { name: 'c.bin', size: 4096 },
      { name: 'huge.bin', refused: '10737418240 bytes is over the limit of 1073741824' },
    ]);
    const warnings = result.log.filter((l) => l.level === 'warning').map((l) => l.text);
    expect(warnings).toContain(
      "Artifact b.bin was refused: 6144 bytes would take the step's artifacts past 10240 bytes in all"
    );
  });
});

describe('log.txt', () => {
  it('stops at its limit with a marker saying what was left out', async () => {
    const h = harness({ limits: { ...DEFAULT_CONFIG.limits, logFileBytes: 64 * 1024 } });
    const step = bashStep('for i in $(seq 1 5000); do echo "line $i of the step"; done');
    const result = await h.run(step);
    expect(result.status).toBe('succeeded');
    const log = readFileSync(path.join(h.resultsDir, step.deploymentId, step.stepId, 'log.txt'));
    expect(log.length).toBeLessThan(64 * 1024 + 300);
    const lines = log.toString('utf8').trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /\[log\.txt stops here: it reached its limit of 65536 bytes; \d+ more lines \(\d+ bytes\) were not kept\]$/
    );
    expect(lines.at(-2)).toMatch(/line \d+ of the step$/);
  });
});
