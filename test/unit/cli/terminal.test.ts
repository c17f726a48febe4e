import { colourWanted, neutralise } from '../../../src/cli/terminal';
import { LogPrinter } from '../../../src/cli/log-printer';
import type { CliIo } from '../../../src/cli/io';
import type { LogEntry } from '../../../src/step/result';

function printed(io: Partial<CliIo>, entries: LogEntry[]): string {
  let out = '';
  const printer = new LogPrinter({
    out: (t) => void (out += t),
    err: () => {},
    readStdin: async () => '',
    isTty: false,
    ...io,
  });
  for (const e of entries) printer.entry(e);
  return out;
}

const at = 'stdout' as const;
const hostile: LogEntry = {
  level: 'info',
  stream: at,
  text: 'a\x1b]52;c;ZXZpbA==\x07b\x1b[2J\x1b[Hc\x1b[1A\rd\x9b2Je\tf',
};

describe('neutralise', () => {
  it('makes every control character but tab visible: OSC 52, screen clear, cursor moves, C1 CSI', () => {
    const text = neutralise(hostile.text);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toBe('a␛]52;c;ZXZpbA==␇b␛[2J␛[Hc␛[1A␍d<9B>2Je\tf');
  });

  it('leaves ordinary text, tabs and line feeds alone', () => {
    expect(neutralise('héllo\tworld\n✓')).toBe('héllo\tworld\n✓');
  });
});

describe('LogPrinter on a terminal', () => {
  it('neutralises the script’s escapes and keeps its own colours', () => {
    const out = printed({ isTty: true }, [hostile, { level: 'error', stream: at, text: 'bad' }]);
    expect(out).not.toContain('\x1b]52');
    expect(out).not.toContain('\x1b[2J');
    expect(out).toContain('\x1b[31mbad\x1b[0m');
  });

  it('neutralises the summary too: output variable names and values come from the script', () => {
    let out = '';
    new LogPrinter({
      out: (t) => void (out += t),
      err: () => {},
      readStdin: async () => '',
      isTty: true,
    }).summary({
      schemaVersion: 1,
      deploymentId: 'd',
      stepId: 's',
      status: 'failed',
      exitCode: 1,
      failureMessage: 'x\x1b[2Jy',
      outputVariables: { 'N\x1b[H': { value: '\x1b]52;c;eA==\x07', sensitive: false } },
      artifacts: [],
      log: [],
      progress: [],
      timings: { queuedAt: '', startedAt: null, finishedAt: '', durationMs: 0 },
    });
    expect(out).not.toContain('\x1b');
  });

  it('prints the tags, and no colour, when colour is off on a terminal (NO_COLOR, TERM=dumb)', () => {
    const out = printed({ isTty: true, colour: false }, [
      { level: 'error', stream: at, text: 'bad' },
      { level: 'warning', stream: at, text: 'careful' },
      hostile,
    ]);
    expect(out).toContain('[ERROR] bad\n');
    expect(out).toContain('[WARNING] careful\n');
    expect(out).not.toContain('\x1b');
  });

  it('colours a forced-colour pipe and neutralises it like a terminal', () => {
    const out = printed({ isTty: false, colour: true }, [
      hostile,
      { level: 'error', stream: at, text: 'bad' },
    ]);
    expect(out).toContain('\x1b[31mbad\x1b[0m');
    expect(out).not.toContain('\x1b]52');
    expect(out).not.toContain('[ERROR]');
  });

  it('passes text through unchanged to a plain pipe, tagged', () => {
    const out = printed({ isTty: false }, [hostile, { level: 'error', stream: at, text: 'bad' }]);
    expect(out).toContain(hostile.text);
    expect(out).toContain('[ERROR] bad');
  });
});

describe('colourWanted', () => {
  const tty = { isTTY: true };
  it.each<[string, NodeJS.ProcessEnv, { isTTY?: boolean }, boolean]>([
    ['a terminal', { TERM: 'xterm-256color' }, tty, true],
    ['a pipe', { TERM: 'xterm-256color' }, {}, false],
    ['NO_COLOR', { TERM: 'xterm', NO_COLOR: '1' }, tty, false],
    ['TERM=dumb', { TERM: 'dumb' }, tty, false],
    ['NODE_DISABLE_COLORS', { NODE_DISABLE_COLORS: '1' }, tty, false],
    ['FORCE_COLOR=1 on a pipe', { FORCE_COLOR: '1' }, {}, true],
    ['FORCE_COLOR= on a pipe', { FORCE_COLOR: '' }, {}, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0', TERM: 'xterm' }, tty, false],
    ['FORCE_COLOR=1 over NO_COLOR', { FORCE_COLOR: '1', NO_COLOR: '1' }, tty, true],
  ])('%s', (_name, env, stream, expected) => {
    expect(colourWanted(env, stream)).toBe(expected);
  });

  it('asks Node’s own stream.hasColors(env) on a terminal', () => {
    const asked: NodeJS.ProcessEnv[] = [];
    const env = { TERM: 'xterm' };
    expect(colourWanted(env, { isTTY: true, hasColors: (e) => (asked.push(e!), false) })).toBe(
      false
    );
    expect(asked).toEqual([env]);
  });
});
