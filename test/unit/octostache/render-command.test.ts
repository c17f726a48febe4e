import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCommand } from '../../../src/cli/commands/render';
import type { CliIo } from '../../../src/cli/io';

function fakeIo(stdin = ''): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTty: false,
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
    readStdin: async () => stdin,
  };
  return io;
}

describe('Function: renderCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidepool-render-'));
  const vars = join(dir, 'vars.json');
  writeFileSync(
    vars,
    JSON.stringify({ Name: 'world', Secret: { value: 's3cret', sensitive: true } })
  );

  it('renders a file with variables', async () => {
    const template = join(dir, 'script.sh');
    writeFileSync(template, 'echo #{Name | ToUpper} #{Secret}\n');
    const io = fakeIo();
    expect(await renderCommand([template, '--variables', vars], io)).toBe(0);
    expect(io.stdout).toBe('echo WORLD s3cret\n');
  });

  it('reads stdin and reports problems with --strict', async () => {
    const io = fakeIo('#{Nope} #{Name}');
    expect(await renderCommand(['-', `--variables=${vars}`, '--strict'], io)).toBe(1);
    expect(io.stdout).toBe('#{Nope} world');
    expect(io.stderr).toBe(
      "1:1 (offset 0) #{Nope}: The following tokens were unable to be evaluated: '#{Nope}'\n"
    );
  });

  it('exits 0 with --strict when there is nothing wrong', async () => {
    const io = fakeIo('plain');
    expect(await renderCommand(['--strict'], io)).toBe(0);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['a', 'b'], /one template file at most/],
    [[join(dir, 'missing.txt')], /Cannot read template '.*missing.txt': no such file/],
    [['-', '--variables'], /Option '--variables <value>' argument missing/],
  ])('rejects bad usage %p', async (args, message) => {
    const io = fakeIo('x');
    expect(await renderCommand(args, io)).toBe(125);
    expect(io.stderr).toMatch(message);
  });

  it('names the variable at fault in vars.json', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ Good: 'x', Bad: { value: 1 } }));
    const io = fakeIo('x');
    expect(await renderCommand(['-', '--variables', bad], io)).toBe(125);
    expect(io.stderr).toMatch(/bad\.json: variable 'Bad' must be a string/);
  });

  it('prints help', async () => {
    const io = fakeIo();
    expect(await renderCommand(['--help'], io)).toBe(0);
    expect(io.stdout).toMatch(/Usage: tidepool render/);
  });
});
