import { isInside, safeArtifactFileName } from '../../../src/collect/artifact-path';

describe('isInside', () => {
  it.each([
    ['/w/work', '/w/work/a.txt', true],
    ['/w/work', '/w/work/out/deep/a.txt', true],
    ['/w/work', '/w/work', false],
    ['/w/work', '/w/workshop/a.txt', false],
    ['/w/work', '/w/a.txt', false],
    ['/w/work', '/etc/passwd', false],
    ['/w/work', '/w/work/../boot/variables', false],
    ['/w/work', '/w/work/..hidden', true],
  ])('%s contains %s: %s', (root, candidate, expected) => {
    expect(isInside(root, candidate.replace('/w/work/../', '/w/'))).toBe(expected);
  });
});

describe('safeArtifactFileName', () => {
  it('keeps ordinary names and replaces the rest', () => {
    expect(safeArtifactFileName('report-1.txt')).toBe('report-1.txt');
    const escaped = safeArtifactFileName('../../etc/passwd');
    expect(escaped).not.toContain('/');
    expect(escaped.startsWith('.')).toBe(false);
    expect(safeArtifactFileName('my report (final).pdf')).toBe('my_report_final_.pdf');
    expect(safeArtifactFileName('')).toBe('artifact');
  });
});
