import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MASK } from '../../src/collect/masker';
import type { LogEntry } from '../../src/step/result';
import { bashStep, harness } from '../helpers/pipeline';

function texts(log: LogEntry[]): string[] {
  return log.map((l) => l.text);
}

/** Alive and not a zombie waiting for its new parent to reap it. */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('pipeline: running bash steps', () => {
  it('stores result.json, the full log and artifacts under the step prefix', async () => {
    const h = harness();
    const step = bashStep('echo hello > out.txt; new_octopusartifact out.txt; echo done');
    const result = await h.run(step);
    expect(result.status).toBe('succeeded');
    const prefix = path.join(h.resultsDir, step.deploymentId, step.stepId);
    const stored = JSON.parse(readFileSync(path.join(prefix, 'result.json'), 'utf8'));
    expect(stored).toEqual(result);
    expect(readFileSync(path.join(prefix, 'log.txt'), 'utf8')).toContain('done');
    const artifact = result.artifacts[0];
    expect(artifact && 'path' in artifact && readFileSync(artifact.path, 'utf8')).toBe('hello\n');
  });

  it('streams lines while the script is still running', async () => {
    const h = harness();
    const seen: Array<{ text: string; at: number }> = [];
    let exitedAt = 0;
    await h.run(bashStep('echo first; sleep 0.5; echo second'), {
      onLog: (e) => seen.push({ text: e.text, at: Date.now() }),
      mark: (stage) => {
        if (stage === 'exited') exitedAt = Date.now();
      },
    });
    const first = seen.find((s) => s.text === 'first');
    expect(first).toBeDefined();
    expect(exitedAt - (first?.at ?? exitedAt)).toBeGreaterThanOrEqual(300);
  });

  it('times out: the whole process group is stopped and the log so far is kept', async () => {
    const h = harness({ graceMs: 500 });
    const result = await h.run(
      bashStep('sleep 300 & echo "child=$!"; echo started; sleep 300', { timeoutSeconds: 1 })
    );
    expect(result.status).toBe('timed-out');
    expect(result.exitCode).toBeNull();
    expect(result.error?.code).toBe('timed-out');
    expect(texts(result.log)).toContain('started');
    const child = Number(
      texts(result.log)
        .find((t) => t.startsWith('child='))
        ?.slice(6)
    );
    expect(child).toBeGreaterThan(0);
    expect(processAlive(child)).toBe(false);
  });

  it('kills a TERM-ignoring script after the grace period', async () => {
    const h = harness({ graceMs: 300 });
    const started = Date.now();
    const result = await h.run(
      bashStep("trap '' TERM; echo armed; while :; do sleep 0.1; done", { timeoutSeconds: 1 })
    );
    expect(result.status).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('leaves no background process behind when the script ends normally', async () => {
    const h = harness();
    const result = await h.run(bashStep('sleep 300 & echo "child=$!"'));
    const child = Number(
      texts(result.log)
        .find((t) => t.startsWith('child='))
        ?.slice(6)
    );
    expect(result.status).toBe('succeeded');
    expect(processAlive(child)).toBe(false);
  });

  it('deletes the step directory, variables file included, on success, failure and timeout', async () => {
    const h = harness({ graceMs: 200 });
    await h.run(bashStep('echo ok'));
    await h.run(bashStep('exit 3'));
    await h.run(bashStep('sleep 30', { timeoutSeconds: 1 }));
    expect(readdirSync(h.stepsDir)).toEqual([]);
  });

  it('cleans up when the worker itself fails to store the result', async () => {
    const h = harness();
    const { FsObjectStore } = await import('../../src/store/fs-store');
    // A results root below a regular file: every write fails with ENOTDIR.
    h.deps.results = new FsObjectStore(path.join(h.inputsDir, 'blocker', 'results'));
    h.input('blocker', 'not a directory');
    await expect(h.run(bashStep('sleep 300 & echo started'))).rejects.toThrow(/ENOTDIR/);
    expect(readdirSync(h.stepsDir)).toEqual([]);
  });

  it('cancels a running step when the signal is aborted', async () => {
    const h = harness({ graceMs: 200 });
    const controller = new AbortController();
    const running = h.run(bashStep('echo waiting; sleep 30'), {
      signal: controller.signal,
      onLog: (e) => {
        if (e.text === 'waiting') controller.abort();
      },
    });
    const result = await running;
    expect(result.status).toBe('cancelled');
    expect(texts(result.log)).toContain('waiting');
  });

  it('gives the script a minimal environment, not the worker’s', async () => {
    const h = harness();
    process.env.AWS_SECRET_ACCESS_KEY = 'worker-credential-1234';
    try {
      const result = await h.run(bashStep('env | sort; echo "home=$HOME"; echo "pwd=$PWD"'));
      const log = texts(result.log).join('\n');
      expect(log).not.toContain('worker-credential-1234');
      expect(log).not.toContain('AWS_SECRET_ACCESS_KEY');
      expect(log).toMatch(/^home=.*\/home$/m);
      expect(log).toMatch(/^pwd=.*\/work$/m);
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('deletes the variables and credentials files before the script runs', async () => {
    const h = harness();
    const result = await h.run(
      bashStep('sleep 0.2; ls -a ../boot; echo "still readable: $(get_octopusvariable Secret)"', {
        variables: { inline: { Secret: 'visible-to-the-script-only' } },
      }),
      { extraEnv: { AWS_SESSION_TOKEN: 'session-token-value' } }
    );
    const listing = texts(result.log);
    expect(listing).toContain('bootstrap.sh');
    expect(listing).not.toContain('variables');
    expect(listing).not.toContain('env');
    expect(listing).toContain('still readable: visible-to-the-script-only');
  });

  it('passes large variables without hitting environment or argument limits', async () => {
    const h = harness();
    const big = 'x'.repeat(3 * 1024 * 1024);
    const result = await h.run(
      bashStep(
        'v=$(get_octopusvariable Big); echo "len=${#v}"; cat /proc/self/cmdline | tr "\\0" " "; echo',
        {
          variables: { inline: { Big: big } },
        }
      )
    );
    expect(texts(result.log)).toContain(`len=${big.length}`);
  });

  it('masks a secret written in two pieces with a pause between', async () => {
    const h = harness();
    const result = await h.run(
      bashStep("printf 'token: split-'; sleep 0.2; printf 'secret-9876 end\\n'", {
        variables: { inline: { Token: { value: 'split-secret-9876', sensitive: true } } },
      })
    );
    expect(texts(result.log)).toContain(`token: ${MASK} end`);
    const logFile = readFileSync(result.logPath ?? '', 'utf8');
    expect(logFile).not.toContain('split-secret-9876');
  });

  it('masks sensitive values in encoded forms in the stored log', async () => {
    const h = harness();
    const secret = 'Sup3r "secret" value';
    const result = await h.run(
      bashStep(
        [
          'v=$(get_octopusvariable Pw)',
          'printf "%s\\n" "$v" | base64 -w0; echo',
          'printf "prefix-%s\\n" "$v" | base64 -w0; echo',
          'python3 -c "import json,sys; print(json.dumps(sys.argv[1]))" "$v" 2>/dev/null || echo "\\"Sup3r \\\\\\"secret\\\\\\" value\\""',
        ].join('\n'),
        { variables: { inline: { Pw: { value: secret, sensitive: true } } } }
      )
    );
    const logFile = readFileSync(result.logPath ?? '', 'utf8');
    expect(logFile).not.toContain('secret');
    for (const encoded of [Buffer.from(secret).toString('base64').slice(0, 20)]) {
      expect(logFile).not.toContain(encoded);
    }
    expect(texts(result.log).filter((t) => t.includes(MASK)).length).toBeGreaterThanOrEqual(3);
  });

  it('caps the log in result.json with a marker and keeps all of it in log.txt', async () => {
    const h = harness({ limits: { logEntries: 50 } as never });
    const result = await h.run(bashStep('for i in $(seq 1 500); do echo "line $i"; done'));
    expect(result.log).toHaveLength(51);
    expect(result.log[50]?.text).toMatch(/log truncated: \d+ more lines/);
    expect(result.logTruncated?.entriesOmitted).toBeGreaterThan(400);
    const full = readFileSync(result.logPath ?? '', 'utf8');
    expect(full).toContain('line 500');
  });

  it('keeps a log larger than memory allows in full, through a file', async () => {
    const h = harness();
    const result = await h.run(
      bashStep("head -c 9000000 /dev/zero | tr '\\0' a | fold -w 1000; echo; echo last-line")
    );
    const full = readFileSync(result.logPath ?? '', 'utf8');
    expect(full.split('\n').filter((l) => l.endsWith(' ' + 'a'.repeat(1000)))).toHaveLength(9000);
    expect(full).toContain('last-line');
    expect(result.logTruncated).toBeDefined();
  });

  it('refuses artifacts outside the working directory, through .. or a symlink', async () => {
    const h = harness();
    const result = await h.run(
      bashStep(
        [
          'ln -s /etc/hostname link.txt',
          'new_octopusartifact link.txt',
          `echo "##octopus[createArtifact path='$(printf ../boot/variables | base64 -w0)' name='$(printf vars | base64 -w0)' length='MA==']"`,
          'mkdir d; new_octopusartifact d',
        ].join('\n')
      )
    );
    expect(result.artifacts).toEqual([
      expect.objectContaining({ name: 'link.txt', refused: expect.stringContaining('outside') }),
      expect.objectContaining({ name: 'vars' }),
      expect.objectContaining({ name: 'd', refused: 'not a regular file' }),
    ]);
    expect(result.artifacts.some((a) => 'path' in a)).toBe(false);
    expect(existsSync(path.join(h.resultsDir, 'deploy-1'))).toBe(true);
  });

  it('collects an artifact from the step’s own TMPDIR, as Calamari collects any file the script can read', async () => {
    const h = harness();
    const result = await h.run(
      bashStep(
        [
          'printf report > "$TMPDIR/report.txt"',
          'new_octopusartifact "$TMPDIR/report.txt" report.txt',
          'printf x > "$TMPDIR/../boot/planted"',
          'new_octopusartifact "$TMPDIR/../boot/planted" boot',
          'ln -s /etc/hostname "$TMPDIR/host"',
          'new_octopusartifact "$TMPDIR/host" host',
        ].join('\n')
      )
    );
    expect(result.artifacts).toEqual([
      expect.objectContaining({ name: 'report.txt', size: 6 }),
      expect.objectContaining({ name: 'boot', refused: expect.stringContaining('outside') }),
      expect.objectContaining({ name: 'host', refused: expect.stringContaining('outside') }),
    ]);
  });

  it('converts CRLF scripts to LF', async () => {
    const h = harness();
    const result = await h.run(bashStep('echo one\r\necho "two"\r\n'));
    expect(texts(result.log)).toEqual(expect.arrayContaining(['one', 'two']));
    expect(result.status).toBe('succeeded');
  });
});

describe('pipeline: inputs from the store', () => {
  it('reads script, variables and modules by key', async () => {
    const h = harness();
    h.input('scripts/a.sh', 'source Lib.sh; greet "$(get_octopusvariable Who)"');
    h.input('vars/a.json', JSON.stringify({ Who: 'store' }));
    h.input('modules/lib.sh', 'greet() { echo "hi $1"; }');
    const result = await h.run(
      bashStep('', {
        script: { key: 'scripts/a.sh' },
        variables: { key: 'vars/a.json' },
        modules: [{ name: 'Lib', syntax: 'bash', source: { key: 'modules/lib.sh' } }],
      })
    );
    expect(texts(result.log)).toContain('hi store');
  });

  it.each([
    [
      'a missing script',
      { script: { key: 'nope.sh' } },
      'input-missing',
      "/script: object 'nope.sh' does not exist",
    ],
    [
      'variables that are not JSON',
      { variables: { key: 'bad.json' } },
      'input-invalid',
      '/variables',
    ],
    [
      'a variable of the wrong type',
      { variables: { key: 'typed.json' } },
      'input-invalid',
      "variable 'N'",
    ],
    [
      'a script over the size limit',
      { script: { key: 'big.sh' } },
      'input-too-large',
      'larger than 1024 bytes',
    ],
  ])('rejects %s with a stored result naming it', async (_what, extra, code, text) => {
    const h = harness({ limits: { scriptBytes: 1024 } as never });
    h.input('bad.json', '{not json');
    h.input('typed.json', '{"N": 1}');
    h.input('big.sh', 'x'.repeat(2048));
    const step = bashStep('echo never', extra);
    const result = await h.run(step);
    expect(result.status).toBe('rejected');
    expect(result.error?.code).toBe(code);
    expect(result.error?.message).toContain(text);
    expect(existsSync(path.join(h.resultsDir, step.deploymentId, step.stepId, 'result.json'))).toBe(
      true
    );
    // Nothing ran: no step directory was ever made.
    expect(existsSync(h.stepsDir) ? readdirSync(h.stepsDir) : []).toEqual([]);
  });

  it('rejects an invalid but addressable message with the field at fault', async () => {
    const h = harness();
    const result = await h.run({ ...bashStep('x'), syntax: 'cmd' });
    expect(result.status).toBe('rejected');
    expect(result.error).toEqual({
      code: 'invalid-message',
      message: 'Invalid step message: /syntax: must be one of "bash", "powershell"',
    });
  });

  it('throws for a message it cannot address', async () => {
    const h = harness();
    await expect(h.run({ hello: 'world' })).rejects.toThrow(/Invalid step message/);
  });
});
