import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { runScript, tempDir, tidepool } from '../helpers/cli';

describe('tidepool run: exit codes', () => {
  it.each([
    ['echo fine', 0],
    ['exit 7', 7],
    ['fail_step "nope"', 1],
    ['exit 255', 255],
  ])('%s exits %i', async (script, code) => {
    const run = await runScript(script);
    expect(run.code).toBe(code);
  });

  it('maps the stderr rule’s -1 to 255', async () => {
    const run = await runScript('echo bad >&2', {
      variables: { 'Octopus.Action.FailScriptOnErrorOutput': 'True' },
    });
    expect(run.result.exitCode).toBe(-1);
    expect(run.code).toBe(255);
  });

  it('exits 124 on timeout', async () => {
    const run = await runScript('sleep 20', { args: ['--timeout', '1'] });
    expect(run.result.status).toBe('timed-out');
    expect(run.code).toBe(124);
  }, 15000);

  it('exits 126 when the step is rejected and runs nothing', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'ran');
    const run = await runScript(`touch ${marker}\n#` + 'x'.repeat(5 * 1024 * 1024));
    expect(run.result.status).toBe('rejected');
    expect(run.result.error?.code).toBe('input-too-large');
    expect(run.code).toBe(126);
  });

  it('exits 125 for bad usage, naming the problem', async () => {
    const noFile = await tidepool(['run']);
    expect(noFile.code).toBe(125);
    expect(noFile.stderr).toContain('takes one script file');
    const unknown = await tidepool(['run', 'x.sh', '--frobnicate']);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toContain('--frobnicate');
    const missing = await tidepool(['run', '/nonexistent/x.sh']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain("Cannot read script '/nonexistent/x.sh'");
    const ext = await tidepool(['run', 'script.txt']);
    expect(ext.stderr).toContain('give --syntax');
    const timeout = await tidepool(['run', 'x.sh', '--timeout', 'soon']);
    expect(timeout.stderr).toContain('--timeout must be a whole number');
  });

  it('reads --policy by one rule for run and submit: any case, spaces around, unknown names refused with the choices', async () => {
    const choices = 'must be one of Unrestricted, RemoteSigned, AllSigned, Restricted';
    const spaced = await runScript('echo must-not-run', { args: ['--policy', ' allsigned '] });
    expect(spaced.result.error?.code).toBe('integrity');
    expect(spaced.code).toBe(126);
    const dir = tempDir();
    const script = path.join(dir, 's.sh');
    writeFileSync(script, 'echo');
    for (const command of ['run', 'submit']) {
      const unknown = await tidepool([command, script, '--policy', 'Sometimes']);
      expect(unknown.code).toBe(125);
      expect(unknown.stderr).toContain(`--policy ${choices}, got 'Sometimes'`);
    }
    // submit gets past its options to looking for a stack, which is not there.
    const noStack = ['--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1'];
    const submitted = await tidepool(['submit', script, '--policy', ' allsigned ', ...noStack]);
    expect(submitted.code).toBe(125);
    expect(submitted.stderr).not.toContain('--policy');
    expect(submitted.stderr).toMatch(/tidepool submit: /);
  });

  it('names the variables file and the variable at fault', async () => {
    const dir = tempDir();
    const script = path.join(dir, 's.sh');
    writeFileSync(script, 'echo');
    writeFileSync(path.join(dir, 'v.json'), '{"A": ["no"]}');
    const run = await tidepool(['run', script, '--variables', path.join(dir, 'v.json')]);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain(`${path.join(dir, 'v.json')}: variable 'A'`);
  });
});

describe('tidepool run: output', () => {
  it('with --json prints exactly one result document and nothing else', async () => {
    const run = await runScript('echo hi; set_octopusvariable X 1');
    const parsed = JSON.parse(run.stdout);
    expect(parsed.status).toBe('succeeded');
    expect(parsed.outputVariables.X.value).toBe('1');
    expect(run.stderr).toBe('');
  });

  it('without --json streams the log and summarises outputs and artifacts, masking sensitive ones', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'demo.sh');
    writeFileSync(
      script,
      'write_highlight "Deployed"\nupdate_progress 50 "halfway"\nset_octopusvariable Token abcd-9999 -sensitive\necho report > r.txt\nnew_octopusartifact r.txt\n'
    );
    const run = await tidepool(['run', script, '--out', path.join(dir, 'out')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[HIGHLIGHT] Deployed');
    expect(run.stdout).toMatch(/\[#+-+\]\s+50% halfway/);
    expect(run.stdout).toContain('Token = ********');
    expect(run.stdout).not.toContain('abcd-9999');
    expect(run.stdout).toContain(
      `r.txt (7 bytes) → ${path.join(dir, 'out', 'artifacts', '1-r.txt')}`
    );
    const stored = JSON.parse(readFileSync(path.join(dir, 'out', 'result.json'), 'utf8'));
    expect(stored.status).toBe('succeeded');
  });

  it('with --json masks sensitive output variables unless --show-sensitive; the stored result keeps them', async () => {
    const script =
      'set_octopusvariable Token abcd-9999 -sensitive; set_octopusvariable Colour blue';
    const masked = await runScript(script, { showSensitive: false });
    expect(masked.stdout).not.toContain('abcd-9999');
    expect(masked.result.outputVariables.Token).toEqual({ value: '********', sensitive: true });
    expect(masked.result.outputVariables.Colour?.value).toBe('blue');
    const stored = JSON.parse(readFileSync(path.join(masked.outDir, 'result.json'), 'utf8'));
    expect(stored.outputVariables.Token.value).toBe('abcd-9999');
    const shown = await runScript(script, { showSensitive: false, args: ['--show-sensitive'] });
    expect(shown.result.outputVariables.Token?.value).toBe('abcd-9999');
  });

  it('gives every run a new id: the file’s stem and a UUIDv7', async () => {
    const first = await runScript('true');
    const second = await runScript('true');
    expect(first.result.stepId).toMatch(
      /^script-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    );
    expect(second.result.stepId).not.toBe(first.result.stepId);
  });

  it('passes --var, --sensitive, --module and --parameters through', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'lib.sh'), 'shout() { echo "${1^^}"; }');
    const run = await runScript(
      'source Lib.sh; shout "$(get_octopusvariable Who) $1"; echo "$(get_octopusvariable Key)"',
      {
        args: [
          '--var',
          'Who=world',
          '--var',
          'Key=k3y-value',
          '--sensitive',
          'Key',
          '--module',
          `Lib=${path.join(dir, 'lib.sh')}`,
          '--parameters',
          '"from params"',
        ],
      }
    );
    const log = run.result.log.map((l) => l.text);
    expect(log).toContain('WORLD FROM PARAMS');
    expect(log).toContain('********');
  });
});

describe('tidepool run on a terminal', () => {
  async function onTerminal(script: string, colour?: boolean): Promise<string> {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x.sh'), script);
    let stdout = '';
    await main(['run', path.join(dir, 'x.sh'), '--out', path.join(dir, 'o')], {
      out: (t) => void (stdout += t),
      err: () => {},
      readStdin: async () => '',
      isTty: true,
      ...(colour !== undefined ? { colour } : {}),
    });
    return stdout;
  }

  it('neutralises the script’s clipboard writes, screen clears and cursor moves, keeping its own colours', async () => {
    const out = await onTerminal(
      "printf 'a\\033]52;c;ZXZpbA==\\007b\\033[2J\\033[H\\033[1Ac\\n'; write_warning careful"
    );
    expect(out).toContain('a␛]52;c;ZXZpbA==␇b␛[2J␛[H␛[1Ac');
    expect(out).not.toContain('\x1b]52');
    expect(out).toContain('\x1b[33mcareful\x1b[0m');
  });

  it('prints the tags without colour when colour is off', async () => {
    const out = await onTerminal('write_warning careful; echo oops >&2', false);
    expect(out).toContain('[WARNING] careful');
    expect(out).not.toContain('\x1b');
  });
});

describe('tidepool --help', () => {
  it('explains the commands and run’s options', async () => {
    const top = await tidepool(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('run <script-file>');
    expect(top.stdout).toContain('NO_COLOR');
    expect(top.stdout).toContain('FORCE_COLOR=0');
    const run = await tidepool(['run', '--help']);
    for (const option of [
      '--syntax',
      '--variables',
      '--var',
      '--sensitive',
      '--module',
      '--parameters',
      '--timeout',
      '--out',
      '--json',
    ]) {
      expect(run.stdout).toContain(option);
    }
    expect(run.stdout).toContain('124 timed out');
    expect(run.stdout).toContain('--show-sensitive');
    for (const command of ['result', 'submit']) {
      const help = await tidepool([command, '--help']);
      expect(help.stdout).toContain('--show-sensitive');
      expect(help.stdout).toContain('AWS_REGION');
    }
    expect((await tidepool(['submit', '--help'])).stdout).toContain('An id is used once');
  });

  it('refuses an option a command does not take', async () => {
    const run = await tidepool(['cancel', 'd/s', '--show-sensitive']);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain('tidepool cancel does not take --show-sensitive');
  });

  it('suggests the option or command meant, and names the flag of a missing file', async () => {
    const option = await tidepool(['run', 'x.sh', '--variabels', 'v.json']);
    expect(option.code).toBe(125);
    expect(option.stderr).toContain("Unknown option '--variabels'. Did you mean --variables?");
    const submit = await tidepool(['submit', 'x.sh', '--wiat']);
    expect(submit.stderr).toContain('Did you mean --wait?');
    const verify = await tidepool(['verify', 'd', '--templat', 't']);
    expect(verify.stderr).toContain('Did you mean --template?');
    const command = await tidepool(['rnu', 'x.sh']);
    expect(command.stderr).toContain('Did you mean run?');
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x.sh'), 'echo hi');
    for (const [flag, value, what] of [
      ['--variables', '/nonexistent/v.json', 'variables file'],
      ['--module', 'M=/nonexistent/m.sh', 'module'],
      ['--trust-root', '/nonexistent/root.pub', 'trust root'],
      ['--allowed-signers', '/nonexistent/signers', 'allowed signers'],
    ] as const) {
      const missing = await tidepool(['run', path.join(dir, 'x.sh'), flag, value]);
      expect(missing.code).toBe(125);
      expect(missing.stderr).toContain(
        `Cannot read ${what} '${value.replace(/^M=/, '')}' (${flag}): no such file`
      );
    }
    const render = await tidepool(['render', '--variables', '/nonexistent/v.json']);
    expect(render.stderr).toContain("'/nonexistent/v.json' (--variables): no such file");
  });

  it('exits non-zero for help on an unknown command', async () => {
    const run = await tidepool(['help', 'frob']);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain("no command 'frob'");
    expect(run.stdout).toBe('');
  });

  it('prints the version package.json gives', async () => {
    const { version } = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')
    ) as { version: string };
    const run = await tidepool(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`tidepool ${version}\n`);
  });

  it('explains that run reads a .json file as a step template', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'vars.json'), JSON.stringify({ Name: 'x' }));
    const run = await tidepool(['run', path.join(dir, 'vars.json')]);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain('A .json file is read as an Octopus step template');
    expect(run.stderr).toContain('--variables');
  });

  it('warns of a --sensitive name no variable defines, in run and render', async () => {
    const run = await runScript('echo ok', {
      variables: { Password: 'hunter22' },
      args: ['--sensitive', 'Pasword', '--sensitive', 'password'],
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'tidepool: warning: --sensitive Pasword: no variable of that name is defined\n'
    );
    const render = await tidepool(
      ['render', '-', '--var', 'Name=world', '--var', 'Token=abcd', '--sensitive', 'Tokn'],
      'hello #{Name} #{Token}'
    );
    expect(render.code).toBe(0);
    expect(render.stdout).toBe('hello world abcd');
    expect(render.stderr).toContain('--sensitive Tokn: no variable of that name is defined');
  });

  it('rejects an unknown command', async () => {
    const run = await tidepool(['frob']);
    expect(run.code).toBe(125);
    expect(run.stderr).toContain("unknown command 'frob'");
  });
});

describe('bin/tidepool', () => {
  it('runs as a separate process with the documented exit code', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x.sh'), 'echo from-bin; exit 4');
    const bin = path.join(__dirname, '..', '..', 'bin', 'tidepool');
    const run = spawnSync(bin, ['run', path.join(dir, 'x.sh'), '--out', path.join(dir, 'o')], {
      encoding: 'utf8',
    });
    if (run.stderr.includes('not built yet'))
      throw new Error('run `npm run build` before the tests');
    expect(run.stdout).toContain('from-bin');
    expect(run.status).toBe(4);
  });
});
