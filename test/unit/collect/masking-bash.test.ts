// The forms the masker claims, printed by the real tools a script would use, through
// `tidepool run`: the log must not hold the secret in any of them.
import { execFileSync } from 'node:child_process';
import { runScript } from '../../helpers/cli';
import { MASK } from '../../../src/collect/masker';

function exists(tool: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SECRET = 'Pä$$ wörd/€+~(x)*!-long-enough-to-wrap-when-encoded-0123456789';

async function run(lines: string[]) {
  const script = ['S="$(get_octopusvariable Secret)"', ...lines].join('\n');
  const done = await runScript(script, {
    variables: { Secret: { value: SECRET, sensitive: true } },
  });
  expect(done.result.status).toBe('succeeded');
  return done;
}

async function logOf(lines: string[]): Promise<string> {
  return (await run(lines)).result.log.map((entry) => entry.text).join('\n');
}

// This machine's tools; a form is tested with every one present (and they are here).
const tools = { python3: exists('python3'), jq: exists('jq'), base64: exists('base64') };

describe('masking the forms real tools print (bash)', () => {
  it('has the tools the cases use', () => {
    expect(tools).toEqual({ python3: true, jq: true, base64: true });
  });

  it('masks base64 wrapped at 76 columns and base64url', async () => {
    const log = await logOf([
      'printf "%s" "$S" | base64 -w76',
      'printf "user:%s" "$S" | base64 -w76',
      'printf "%s" "$S" | basenc --base64url -w0; echo',
    ]);
    expect(log).toContain(MASK);
    for (const line of log.split('\n')) {
      const decoded = Buffer.from(line.split(MASK).join(''), 'base64').toString('utf8');
      expect(decoded).not.toContain('long-enough');
      expect(decoded).not.toContain('0123');
    }
  });

  it('masks JSON as json.dumps and jq -a print it, with the escaped solidus', async () => {
    const log = await logOf([
      `python3 -c 'import json,sys;print(json.dumps(sys.argv[1]))' "$S"`,
      `jq -a -n --arg s "$S" '$s'`,
      `jq -n --arg s "$S" '$s'`,
      `python3 -c 'import json,sys;print(json.dumps(sys.argv[1]).replace("/","\\\\/"))' "$S"`,
    ]);
    expect(log.split('\n').filter((l) => l === `"${MASK}"`)).toHaveLength(4);
  });

  it('masks Python quote, quote_plus and lower-case hex', async () => {
    const log = await logOf([
      `python3 -c 'import sys,urllib.parse as u;print(u.quote(sys.argv[1]))' "$S"`,
      `python3 -c 'import sys,urllib.parse as u;print(u.quote(sys.argv[1],safe=""))' "$S"`,
      `python3 -c 'import sys,urllib.parse as u;print(u.quote_plus(sys.argv[1]))' "$S"`,
      `python3 -c 'import sys,urllib.parse as u;import re;print(re.sub("%..",lambda m:m.group().lower(),u.quote(sys.argv[1])))' "$S"`,
    ]);
    expect(log.split('\n').filter((l) => l === MASK)).toHaveLength(4);
  });

  it('masks what a terminal shows: SGR colours, NUL and zero-width characters inside', async () => {
    const log = await logOf([
      `printf 'a %s\\033[0m%s b\\n' "\${S:0:10}" "\${S:10}"`,
      `printf 'a %s\\0%s b\\n' "\${S:0:10}" "\${S:10}"`,
      `printf 'a %s\\u200b%s b\\n' "\${S:0:10}" "\${S:10}"`,
    ]);
    expect(log.split('\n').filter((l) => l === `a ${MASK} b`)).toHaveLength(3);
  });

  it('masks a secret used as an output-variable name or an artifact name', async () => {
    const done = await run([
      'set_octopusvariable "$S" plain-value',
      'set_octopusvariable "name-$S" other-value',
      'echo hello > a.txt',
      'new_octopusartifact a.txt "$S.txt"',
    ]);
    const stored = JSON.stringify(done.result);
    expect(stored).not.toContain('long-enough');
    expect(done.result.outputVariables[MASK]).toEqual({ value: 'plain-value', sensitive: false });
    expect(done.result.outputVariables[`name-${MASK}`]?.value).toBe('other-value');
    expect(done.result.artifacts.map((a) => a.name)).toEqual([`${MASK}.txt`]);
  });
});

describe('sensitive values too short to mask', () => {
  it('are shown as Octopus shows them, and the log says which at the start (names only)', async () => {
    const done = await runScript(
      'echo "short=$(get_octopusvariable Pin) long=$(get_octopusvariable Long)"',
      {
        variables: {
          Pin: { value: '123', sensitive: true },
          Long: { value: 'long-secret', sensitive: true },
          Plain: 'ab',
          Empty: { value: '', sensitive: true },
        },
      }
    );
    const texts = done.result.log.map((e) => e.text);
    expect(texts[0]).toBe(
      'Sensitive variables too short to mask (under 4 characters), shown as they are: Pin'
    );
    expect(done.result.log[0]?.level).toBe('warning');
    expect(texts).toContain(`short=123 long=${MASK}`);
  });
});
