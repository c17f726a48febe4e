import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { processesMarked, STEP_TOKEN_VARIABLE } from '../../../src/run/step-sweep';
import { tempDir } from '../../helpers/cli';

function fakeProc(environs: Record<string, string>): string {
  const proc = tempDir('tidepool-proc-');
  for (const [pid, environ] of Object.entries(environs)) {
    mkdirSync(path.join(proc, pid));
    writeFileSync(path.join(proc, pid, 'environ'), environ);
  }
  mkdirSync(path.join(proc, 'self'));
  return proc;
}

describe('processesMarked', () => {
  it('finds the processes whose environment has the step’s marker, as a whole entry', () => {
    const mark = `${STEP_TOKEN_VARIABLE}=abc`;
    const proc = fakeProc({
      '10': `${mark}\0PATH=/bin\0`,
      '11': `PATH=/bin\0${mark}\0`,
      '12': `PATH=/bin\0${mark}d\0`,
      '13': `X${mark}\0`,
      '14': '',
    });
    expect(processesMarked('abc', proc).sort()).toStrictEqual([10, 11]);
  });

  it('finds nothing where there is no /proc', () => {
    expect(processesMarked('abc', '/nonexistent/proc')).toStrictEqual([]);
  });
});
