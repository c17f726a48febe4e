import {
  artifactKey,
  attestationKey,
  cancelKey,
  claimKey,
  INPUTS_PREFIX,
  isInStepFolder,
  liveChunkKey,
  logKey,
  moduleInputKey,
  RESULTS_PREFIX,
  resultKey,
  scriptInputKey,
  signatureKey,
  stepFolder,
  variablesInputKey,
} from '../../../src/bucket/layout';

// The layout docs/architecture.md publishes: readers (the CLI, a submitter's own code, the IAM
// policies' key patterns) depend on these exact keys.
describe('the bucket layout', () => {
  const folder = stepFolder({ deploymentId: 'nightly:2026-12-04', stepId: 'deploy.1' });

  it('keeps inputs and results under their own prefixes, a step in <deployment>/<step>/', () => {
    expect(INPUTS_PREFIX).toBe('inputs/');
    expect(RESULTS_PREFIX).toBe('results/');
    expect(folder).toBe('nightly:2026-12-04/deploy.1/');
  });

  it('names every part of a result bundle', () => {
    expect(resultKey(folder)).toBe('nightly:2026-12-04/deploy.1/result.json');
    expect(logKey(folder)).toBe('nightly:2026-12-04/deploy.1/log.txt');
    expect(claimKey(folder)).toBe('nightly:2026-12-04/deploy.1/claim.json');
    expect(cancelKey(folder)).toBe('nightly:2026-12-04/deploy.1/cancel.json');
    expect(attestationKey(folder)).toBe('nightly:2026-12-04/deploy.1/attestation.json');
  });

  it('numbers live chunks from 1 with six digits, so they sort in order', () => {
    expect(liveChunkKey(folder, 1)).toBe('nightly:2026-12-04/deploy.1/live/000001.jsonl');
    expect(liveChunkKey('a/b/', 123456)).toBe('a/b/live/123456.jsonl');
  });

  it('numbers artifacts and makes their names safe', () => {
    expect(artifactKey('a/b/', 2, 'report.html')).toBe('a/b/artifacts/2-report.html');
    expect(artifactKey('a/b/', 3, '../etc passwd')).toBe('a/b/artifacts/3-__etc_passwd');
  });

  it('names the inputs submit uploads, and tells a step’s own inputs from shared ones', () => {
    expect(scriptInputKey('a/b/', 'bash')).toBe('a/b/script.sh');
    expect(scriptInputKey('a/b/', 'powershell')).toBe('a/b/script.ps1');
    expect(signatureKey('a/b/script.sh')).toBe('a/b/script.sh.sig');
    expect(variablesInputKey('a/b/')).toBe('a/b/variables.json');
    expect(moduleInputKey('a/b/', 1, 'bash')).toBe('a/b/modules/1.sh');
    expect(moduleInputKey('a/b/', 2, 'powershell')).toBe('a/b/modules/2.psm1');
    const address = { deploymentId: 'a', stepId: 'b' };
    expect(isInStepFolder('a/b/variables.json', address)).toBe(true);
    expect(isInStepFolder('a/shared.json', address)).toBe(false);
    expect(isInStepFolder('a/bc/variables.json', address)).toBe(false);
  });
});
