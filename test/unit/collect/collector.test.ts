import { OutputCollector } from '../../../src/collect/collector';
import { Masker, MASK } from '../../../src/collect/masker';
import { encodeBase64 as b64 } from '../../../src/collect/service-message';
import type { LogEntry } from '../../../src/step/result';
import { LineSplitter } from '../../../src/run/line-splitter';

function collect(lines: Array<['stdout' | 'stderr', string]>, secrets: string[] = []) {
  const log: LogEntry[] = [];
  const masker = new Masker();
  for (const s of secrets) masker.add(s);
  const collector = new OutputCollector(masker, (e) => log.push(e));
  for (const [stream, line] of lines) collector.line(stream, line);
  collector.end();
  return { log, collector };
}

describe('OutputCollector', () => {
  it('switches stdout and stderr levels independently and hides service messages', () => {
    const { log } = collect([
      ['stdout', 'a'],
      ['stdout', '##octopus[stdout-highlight]'],
      ['stdout', 'b'],
      ['stderr', 'c'],
      ['stdout', '##octopus[stderr-progress]'],
      ['stderr', 'd'],
      ['stdout', '##octopus[stdout-default]'],
      ['stdout', 'e'],
    ]);
    expect(log.map((e) => [e.stream, e.level, e.text])).toEqual([
      ['stdout', 'info', 'a'],
      ['stdout', 'highlight', 'b'],
      ['stderr', 'error', 'c'],
      ['stderr', 'verbose', 'd'],
      ['stdout', 'info', 'e'],
    ]);
  });

  it('drops lines while a stream is set to ignore', () => {
    const { log } = collect([
      ['stdout', '##octopus[stdout-ignore]'],
      ['stdout', 'hidden'],
      ['stdout', '##octopus[stdout-default]'],
      ['stdout', 'shown'],
    ]);
    expect(log.map((e) => e.text)).toEqual(['shown']);
  });

  it('records output variables (last wins), sensitive ones masked from then on', () => {
    const { log, collector } = collect([
      ['stdout', 'before s3cr3t-value'],
      ['stdout', `##octopus[setVariable name='${b64('A')}' value='${b64('1')}']`],
      ['stdout', `##octopus[setVariable name='${b64('A')}' value='${b64('2')}']`],
      [
        'stdout',
        `##octopus[setVariable name='${b64('P')}' value='${b64('s3cr3t-value')}' sensitive='${b64('true')}']`,
      ],
      ['stdout', 'after s3cr3t-value'],
      ['stdout', `##octopus[setVariable name='${b64('NoValue')}']`],
    ]);
    expect(collector.outputVariables.get('A')).toEqual({ value: '2', sensitive: false });
    expect(collector.outputVariables.get('P')).toEqual({ value: 's3cr3t-value', sensitive: true });
    expect(collector.outputVariables.has('NoValue')).toBe(false);
    expect(log.map((e) => e.text)).toEqual(['before s3cr3t-value', `after ${MASK}`]);
  });

  it('records artifacts, progress and the result message', () => {
    const { collector } = collect([
      [
        'stdout',
        `##octopus[createArtifact path='${b64('/w/a.txt')}' name='${b64('a.txt')}' length='${b64('12')}']`,
      ],
      [
        'stdout',
        `##octopus[createArtifact path='${b64('/w/b')}' name='${b64('b')}' length='${b64('x')}']`,
      ],
      ['stdout', `##octopus[progress percentage='${b64('40')}' message='${b64('copying')}']`],
      ['stdout', `##octopus[progress percentage='${b64('lots')}' message='${b64('ignored')}']`],
      ['stdout', `##octopus[resultMessage message='${b64('it broke')}']`],
    ]);
    expect(collector.artifacts).toEqual([
      { name: 'a.txt', path: '/w/a.txt', length: 12 },
      { name: 'b', path: '/w/b', length: 0 },
    ]);
    expect(collector.progress).toEqual([{ percentage: 40, message: 'copying' }]);
    expect(collector.resultMessage).toBe('it broke');
  });

  it('adds mask values from either stream', () => {
    const { log } = collect([
      ['stderr', `##octopus[mask value='${b64('tok-9999')}']`],
      ['stdout', 'tok-9999'],
    ]);
    expect(log.map((e) => e.text)).toEqual([MASK]);
  });

  it('warns about a malformed message and resets stdout to info', () => {
    const { log } = collect([
      ['stdout', '##octopus[stdout-warning]'],
      ['stdout', "##octopus[setVariable name='nope!']"],
      ['stdout', 'plain'],
    ]);
    expect(log[0]).toMatchObject({ stream: 'system', level: 'warning' });
    expect(log[0]?.text).toContain('Could not parse');
    expect(log[1]).toMatchObject({ level: 'info', text: 'plain' });
  });

  it('joins a message split over lines, and logs the text after it', () => {
    const { log, collector } = collect([
      ['stdout', `##octopus[setVariable name='${b64('A')}'`],
      ['stdout', ` value='${b64('v')}']tail`],
    ]);
    expect(collector.outputVariables.get('A')?.value).toBe('v');
    expect(log.map((e) => e.text)).toEqual(['tail']);
  });

  it('counts stderr as error output unless blank or a service message', () => {
    expect(collect([['stderr', '   ']]).collector.sawErrorOutput).toBe(false);
    expect(collect([['stderr', "##octopus[mask value='QUJDRA==']"]]).collector.sawErrorOutput).toBe(
      false
    );
    expect(collect([['stderr', 'oops']]).collector.sawErrorOutput).toBe(true);
  });

  it('masks secrets in the failure message, progress messages and nothing is kept raw', () => {
    const { collector } = collect(
      [
        [
          'stdout',
          `##octopus[progress percentage='${b64('5')}' message='${b64('using pa55word-x')}']`,
        ],
        ['stdout', `##octopus[resultMessage message='${b64('failed with pa55word-x')}']`],
      ],
      ['pa55word-x']
    );
    expect(collector.progress).toEqual([{ percentage: 5, message: `using ${MASK}` }]);
    expect(collector.resultMessage).toBe(`failed with ${MASK}`);
  });

  it('gives up on an unclosed message after a bound, without rescanning what it holds', () => {
    const lines: Array<['stdout', string]> = [['stdout', '##octopus[progress']];
    for (let i = 0; i < 50_000; i++) lines.push(['stdout', `plain line ${i}`]);
    const started = Date.now();
    const { log } = collect(lines);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(log).toHaveLength(50_001);
    expect(log[0]?.text).toBe('##octopus[progress');
    expect(log[50_000]?.text).toBe('plain line 49999');
  });

  it('bounds how many progress updates it keeps', () => {
    const lines: Array<['stdout', string]> = [];
    for (let i = 0; i < 1500; i++)
      lines.push(['stdout', `##octopus[progress percentage='${b64('1')}' message='']`]);
    const { collector } = collect(lines);
    expect(collector.progress).toHaveLength(1000);
    expect(collector.progressOmitted).toBe(500);
  });

  it('masks a secret that arrives split across two output chunks', () => {
    const log: LogEntry[] = [];
    const masker = new Masker();
    masker.add('split-secret-42');
    const collector = new OutputCollector(masker, (e) => log.push(e));
    const splitter = new LineSplitter((line) => collector.line('stdout', line));
    splitter.push(Buffer.from('value: split-se'));
    splitter.push(Buffer.from('cret-42 end\n'));
    splitter.end();
    expect(log.map((e) => e.text)).toEqual([`value: ${MASK} end`]);
  });
});
