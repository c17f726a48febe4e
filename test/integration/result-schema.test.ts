import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import resultSchema from '../../schemas/result.schema.json';
import { RESULT_ERROR_CODES } from '../../src/step/errors';
import { runScript } from '../helpers/cli';
import { bashStep, harness } from '../helpers/pipeline';

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv, ['date-time']);
const validate = ajv.compile(resultSchema);

function expectValid(result: unknown): void {
  const ok = validate(result);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('result.json matches its published schema', () => {
  it('for a step with every kind of output', async () => {
    const run = await runScript(
      [
        'set_octopusvariable A 1',
        'set_octopusvariable S secret-1 -sensitive',
        'update_progress 10 working',
        'echo x > a.txt; new_octopusartifact a.txt',
        `echo "##octopus[createArtifact path='$(printf gone.txt | base64 -w0)' name='$(printf gone | base64 -w0)' length='MA==']"`,
        'ln -s /etc/hostname l; new_octopusartifact l',
        'write_warning careful; fail_step "bad"',
      ].join('\n')
    );
    expect(run.result.status).toBe('failed');
    expect(run.result.artifacts).toHaveLength(3);
    expectValid(run.result);
  });

  it('for a timed-out, a truncated and a rejected step', async () => {
    const h = harness({ graceMs: 100, limits: { logEntries: 3 } as never });
    expectValid(await h.run(bashStep('seq 1 10; sleep 10', { timeoutSeconds: 1 })));
    expectValid(await h.run({ ...bashStep(''), script: { key: 'missing.sh' } }));
  });

  it('for every error code, and not for a code it does not list', async () => {
    const h = harness();
    const rejected = await h.run({ ...bashStep(''), script: { key: 'missing.sh' } });
    for (const code of RESULT_ERROR_CODES)
      expectValid({ ...rejected, error: { code, message: 'm' } });
    expect(validate({ ...rejected, error: { code: 'role-denied', message: 'm' } })).toBe(false);
  });
});
