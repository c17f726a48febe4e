import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir, tidepool } from '../helpers/cli';

// The same variables file gets the same verdict from `tidepool run` and `tidepool render`:
// both apply the step schema's rule (src/step/variables.ts).
function files(document: unknown): { script: string; vars: string } {
  const dir = tempDir();
  const script = path.join(dir, 's.sh');
  writeFileSync(script, 'echo "A=[#{A}] B=[#{B}]"');
  const vars = path.join(dir, 'vars.json');
  writeFileSync(vars, JSON.stringify(document));
  return { script, vars };
}

describe('a variables file, through tidepool run and tidepool render', () => {
  it('with a null and an object value is accepted by both, null read as empty', async () => {
    const { script, vars } = files({ A: null, B: { value: 'b', sensitive: false } });
    const run = await tidepool(['run', script, '--variables', vars, '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { log: Array<{ text: string }> };
    expect(result.log.map((l) => l.text)).toContain('A=[] B=[b]');
    const render = await tidepool(['render', script, '--variables', vars]);
    expect(render.code).toBe(0);
    expect(render.stdout).toBe('echo "A=[] B=[b]"');
  });

  it('with an unknown field is refused by both, naming the variable', async () => {
    const { script, vars } = files({ A: 'a', B: { value: 'b', note: 'x' } });
    const expected = `${vars}: variable 'B' must be a string, null or { "value": string or null, "sensitive": true or false } ('note' is not a known field)`;
    const run = await tidepool(['run', script, '--variables', vars]);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain(expected);
    const render = await tidepool(['render', script, '--variables', vars]);
    expect(render.code).toBe(125);
    expect(render.stderr).toContain(expected);
  });
});
