import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bashStep, harness } from '../helpers/pipeline';
import { tempDir } from '../helpers/cli';

// Nothing a step starts outlives it: not a daemon that left the process group with setsid, nor
// one whose parent exited at once (a double fork), nor one that waits to read the next step's
// files. Each leftover writes its pid where the test can find it.

/** Alive and not a zombie waiting for its new parent to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function pidsIn(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(path.join(dir, f), 'utf8').trim()));
}

describe('leftover processes of a step', () => {
  const killAfter: number[] = [];
  afterAll(() => {
    for (const pid of killAfter) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });

  it('are gone when the step’s result is returned: setsid, a double fork, a nohup loop', async () => {
    const h = harness();
    const pids = tempDir('tidepool-leftovers-');
    const script = [
      `setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > ${pids}/setsid.pid`,
      `( ( sleep 301 > /dev/null 2>&1 < /dev/null & echo $! > ${pids}/double.pid ) & )`,
      `( setsid bash -c 'echo $$ > ${pids}/loop.pid; while :; do sleep 0.05; done' > /dev/null 2>&1 & )`,
      'sleep 0.3; echo started',
    ].join('\n');
    const result = await h.run(bashStep(script));
    expect(result.status).toBe('succeeded');
    const started = pidsIn(pids);
    killAfter.push(...started);
    expect(started).toHaveLength(3);
    expect(started.filter(alive)).toStrictEqual([]);
  });

  it('cannot read the next step’s variables file: the leftover is gone before it is written', async () => {
    const h = harness();
    const pids = tempDir('tidepool-leftovers-');
    const stolen = path.join(pids, 'stolen.txt');
    writeFileSync(stolen, '');
    // A watcher of every step directory under the worker's base, copying what it can read.
    const watcher = `while :; do cat ${h.stepsDir}/*/*/* >> ${stolen} 2>/dev/null; sleep 0.01; done`;
    const first = await h.run(
      bashStep(
        `( setsid bash -c 'echo $$ > ${pids}/watcher.pid; ${watcher}' > /dev/null 2>&1 & ); sleep 0.2`
      )
    );
    expect(first.status).toBe('succeeded');
    killAfter.push(...pidsIn(pids));
    // The watcher works: it copied the first step's own bootstrap while that step ran.
    expect(readFileSync(stolen, 'utf8')).toContain('Tidepool bash bootstrap');
    // The secret is in the variables file and, substituted, in the script the step runs.
    const second = await h.run(
      bashStep(': "#{Secret}"; echo "$(get_octopusvariable Secret | wc -c)"; sleep 0.5', {
        variables: { inline: { Secret: { value: 'next-step-secret-8213', sensitive: true } } },
      })
    );
    expect(second.status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(stolen, 'utf8')).not.toContain('next-step-secret-8213');
    expect(pidsIn(pids).filter(alive)).toStrictEqual([]);
  });

  it('leaves none over 12 steps in a row, each with five ways to escape (the figures in docs/reliability.md)', async () => {
    const h = harness();
    const pids = tempDir('tidepool-leftovers-');
    const escapes = (n: number) =>
      [
        `setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > ${pids}/${n}-setsid.pid`,
        `( ( sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > ${pids}/${n}-double.pid ) & )`,
        `nohup sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > ${pids}/${n}-nohup.pid`,
        // A respawner: it starts a new detached sleeper every 10 ms until it is killed.
        `( setsid bash -c 'echo $$ > ${pids}/${n}-respawn.pid; while :; do setsid sleep 317.5 > /dev/null 2>&1 & sleep 0.01; done' > /dev/null 2>&1 < /dev/null & )`,
        // One that holds the step's stdout open.
        `( setsid sleep 300 & echo $! > ${pids}/${n}-stdout.pid )`,
        'sleep 0.1',
      ].join('\n');
    let succeeded = 0;
    for (let n = 0; n < 12; n++) {
      const result = await h.run(bashStep(escapes(n)));
      if (result.status === 'succeeded') succeeded++;
    }
    const started = pidsIn(pids);
    killAfter.push(...started);
    expect(succeeded).toBe(12);
    expect(started).toHaveLength(60);
    expect(started.filter(alive)).toStrictEqual([]);
    // Nor any sleeper a respawner started (`sleep 317.5` is this test's alone).
    const sleepers = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e) && alive(Number(e)))
      .filter((e) => {
        try {
          return readFileSync(`/proc/${e}/cmdline`, 'utf8') === 'sleep\u0000317.5\u0000';
        } catch {
          return false;
        }
      });
    expect(sleepers).toStrictEqual([]);
  });
});
