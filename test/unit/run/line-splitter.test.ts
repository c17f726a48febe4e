import { LineSplitter } from '../../../src/run/line-splitter';

function split(chunks: Array<string | Buffer>, max?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l), max);
  for (const c of chunks) splitter.push(typeof c === 'string' ? Buffer.from(c) : c);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('ends lines at LF, CRLF and a lone CR, as .NET does', () => {
    expect(split(['a\nb\r\nc\rd'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps a CRLF split across chunks as one line end', () => {
    expect(split(['a\r', '\nb\n'])).toEqual(['a', 'b']);
  });

  it('keeps empty lines', () => {
    expect(split(['\n\nx\n'])).toEqual(['', '', 'x']);
  });

  it('reassembles a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('héllo\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['héllo']);
  });

  it('cuts a runaway line at the limit', () => {
    expect(split(['abcdefghij\n'], 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});
