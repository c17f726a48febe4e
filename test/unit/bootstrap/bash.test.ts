import { buildBashBootstrap, encodeVariablesFile, shellQuote } from '../../../src/bootstrap/bash';
import type { BootstrapInput } from '../../../src/bootstrap/plan';
import { bootstrapInput } from './input';

const input = (overrides: Partial<BootstrapInput> = {}) => bootstrapInput('echo hi\r\n', overrides);

describe('buildBashBootstrap', () => {
  it('writes the script with LF line ends and the variables file with mode 0600', () => {
    const plan = buildBashBootstrap(input());
    const script = plan.files.find((f) => f.path === '/s/work/Script.sh');
    expect(script?.content).toBe('echo hi\n');
    const vars = plan.files.find((f) => f.path === '/s/boot/variables');
    expect(vars?.mode).toBe(0o600);
    expect(plan.entry).toBe('/s/boot/bootstrap.sh');
  });

  it("sets the step's HOME and temp folders, then enters its working directory", () => {
    const plan = buildBashBootstrap(input());
    const text = String(plan.files.find((f) => f.path.endsWith('bootstrap.sh'))?.content);
    const exported = text.indexOf(
      "export HOME='/s/home' TMPDIR='/s/tmp' TMP='/s/tmp' TEMP='/s/tmp'\n"
    );
    expect(exported).toBeGreaterThan(-1);
    expect(text.indexOf("cd '/s/work' || exit 125")).toBeGreaterThan(exported);
  });

  it('keeps variable values out of the hand-off line and the bootstrap text', () => {
    const plan = buildBashBootstrap(input({ variables: { Secret: 'do-not-show' } }));
    expect(plan.entry).not.toContain('do-not-show');
    const bootstrap = plan.files.find((f) => f.path.endsWith('bootstrap.sh'));
    expect(String(bootstrap?.content)).not.toContain('do-not-show');
  });

  it('writes bash modules by file name and leaves PowerShell ones out', () => {
    const plan = buildBashBootstrap(
      input({
        modules: [
          { name: 'My Helpers!', syntax: 'bash', text: 'f() {\r\n :\r\n}' },
          { name: 'PsOnly', syntax: 'powershell', text: 'function F {}' },
        ],
      })
    );
    const paths = plan.files.map((f) => f.path);
    expect(paths).toContain('/s/work/MyHelpers.sh');
    expect(paths.some((p) => p.includes('PsOnly'))).toBe(false);
    expect(plan.files.find((f) => f.path === '/s/work/MyHelpers.sh')?.content).toBe('f() {\n :\n}');
  });

  it('loads octopus_parameters only when a script mentions it', () => {
    const without = buildBashBootstrap(input());
    expect(without.files.some((f) => f.path === '/s/boot/parameters')).toBe(false);
    const withArray = buildBashBootstrap(input({ script: 'echo ${octopus_parameters[A]}' }));
    expect(withArray.files.some((f) => f.path === '/s/boot/parameters')).toBe(true);
  });
});

describe('encodeVariablesFile', () => {
  it('writes name NUL value NUL pairs and skips names bash cannot hold', () => {
    expect(encodeVariablesFile({ A: 'x\ny', '': 'skip', B: '' }).toString()).toBe('A\0x\ny\0B\0\0');
  });
});

describe('shellQuote', () => {
  it('quotes single quotes safely', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
