import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interpreterVersions, LAYER_MANIFEST } from '../../src/run/interpreter-versions';
import { locateInterpreter } from '../../src/run/interpreters';

let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidepool-versions-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function executable(file: string, content: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o755 });
  return file;
}

describe('interpreterVersions', () => {
  it("reports this machine's bash and pwsh as the locator finds them", async () => {
    const started = Date.now();
    const v = await interpreterVersions();
    const seconds = (Date.now() - started) / 1000;

    expect(v.problems).toEqual({});
    expect(v.paths).toEqual({
      bash: locateInterpreter('bash'),
      pwsh: locateInterpreter('powershell'),
    });
    const bashFirstLine = execFileSync(v.paths.bash ?? 'bash', ['--version'], {
      encoding: 'utf8',
    }).split('\n')[0];
    expect(v.bash).toBe(bashFirstLine);
    expect(v.bash).toMatch(/^GNU bash, version \d+\.\d+\.\d+/);

    // The same version pwsh itself reports from inside a session.
    const psVersion = execFileSync(
      v.paths.pwsh ?? 'pwsh',
      [
        '-NoLogo',
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        '$PSVersionTable.PSVersion.ToString()',
      ],
      { encoding: 'utf8' }
    ).trim();
    expect(v.pwsh).toBe(`PowerShell ${psVersion}`);
    expect(seconds).toBeLessThan(10); // one pwsh start, not a session
  }, 60000);

  it('takes TIDEPOOL_BASH and TIDEPOOL_PWSH as the locator does', async () => {
    // Links elsewhere to the real interpreters: the settings win over PATH.
    const bash = path.join(dir, 'settings', 'bash');
    const pwsh = path.join(dir, 'settings', 'pwsh');
    fs.mkdirSync(path.dirname(bash));
    fs.symlinkSync(locateInterpreter('bash'), bash);
    fs.symlinkSync(locateInterpreter('powershell'), pwsh);
    // PATH stays: the dotnet global tool's pwsh starts `dotnet` from PATH.
    const v = await interpreterVersions({
      ...process.env,
      TIDEPOOL_BASH: bash,
      TIDEPOOL_PWSH: pwsh,
    });
    expect(v.paths).toEqual({ bash, pwsh });
    expect(v.problems).toEqual({});
    expect(v.bash).toMatch(/^GNU bash/);
    expect(v.pwsh).toMatch(/^PowerShell 7\./);
  }, 60000);

  it('reports missing interpreters instead of throwing', async () => {
    const v = await interpreterVersions({
      PATH: path.join(dir, 'empty'),
      TIDEPOOL_BASH: path.join(dir, 'no-such-bash'),
      TIDEPOOL_PWSH: path.join(dir, 'no-such-pwsh'),
    });
    expect(v).toEqual({
      paths: {},
      problems: {
        bash: `TIDEPOOL_BASH=${path.join(dir, 'no-such-bash')} is not an executable file`,
        pwsh: `TIDEPOOL_PWSH=${path.join(dir, 'no-such-pwsh')} is not an executable file`,
      },
    });
  });

  it('reports an interpreter that fails or prints something else, and keeps the other', async () => {
    const bash = executable(path.join(dir, 'broken', 'bash'), '#!/bin/sh\necho "no" >&2\nexit 3\n');
    const pwsh = executable(path.join(dir, 'broken', 'pwsh'), '#!/bin/sh\necho "hello"\n');
    const v = await interpreterVersions({ TIDEPOOL_BASH: bash, TIDEPOOL_PWSH: pwsh });
    expect(v.paths).toEqual({ bash, pwsh });
    expect(v.bash).toBeUndefined();
    expect(v.pwsh).toBeUndefined();
    expect(v.problems.bash).toMatch(/Command failed: .*bash --version: no$/);
    expect(v.problems.pwsh).toBe(`${pwsh} --version printed "hello"`);

    const good = await interpreterVersions({
      TIDEPOOL_BASH: locateInterpreter('bash'),
      TIDEPOOL_PWSH: pwsh,
    });
    expect(good.bash).toMatch(/^GNU bash/);
    expect(good.problems).toEqual({ pwsh: `${pwsh} --version printed "hello"` });
  });

  it("reads the layer's pwsh version from its manifest without starting pwsh", async () => {
    // A layer-shaped tree: bin/pwsh -> ../powershell/pwsh, share/tidepool/layer.json.
    const root = path.join(dir, 'layer');
    const marker = path.join(dir, 'pwsh-was-started');
    executable(path.join(root, 'powershell', 'pwsh'), `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    fs.mkdirSync(path.join(root, 'bin'));
    fs.symlinkSync('../powershell/pwsh', path.join(root, 'bin', 'pwsh'));
    fs.symlinkSync(locateInterpreter('bash'), path.join(root, 'bin', 'bash'));
    fs.mkdirSync(path.dirname(path.join(root, LAYER_MANIFEST)), { recursive: true });
    fs.writeFileSync(
      path.join(root, LAYER_MANIFEST),
      JSON.stringify({ arch: 'x86_64', pwsh: { version: '7.6.9' } })
    );

    const v = await interpreterVersions({ PATH: `${path.join(root, 'bin')}:/nonexistent` });
    expect(v.paths.pwsh).toBe(path.join(root, 'bin', 'pwsh'));
    expect(v.pwsh).toBe('PowerShell 7.6.9');
    expect(v.layer).toEqual({
      manifest: path.join(fs.realpathSync(root), LAYER_MANIFEST),
      arch: 'x86_64',
    });
    expect(fs.existsSync(marker)).toBe(false);
    // bin/bash links to the machine's bash: asked, and not taken for the layer's.
    expect(v.paths.bash).toBe(path.join(root, 'bin', 'bash'));
    expect(v.bash).toMatch(/^GNU bash/);
    expect(v.problems).toEqual({});
  });
});
