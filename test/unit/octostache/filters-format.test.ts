import { expectEval } from './helpers';

describe('Function: number, date, version and markdown filters', () => {
  it.each([
    ['#{N | Format N2}', { N: '1234.565' }, '1,234.57'],
    ['#{N | Format F0}', { N: '2.5' }, '3'],
    ['#{N | Format Int32 D5}', { N: '42' }, '00042'],
    ['#{N | Format Int X}', { N: '255' }, 'FF'],
    ['#{N | Format Double E2}', { N: '1234.5' }, '1.23E+003'],
    ['#{N | Format P1}', { N: '0.1234' }, '12.3 %'],
    ['#{N | Format "0.00"}', { N: '3.14159' }, '3.14'],
    ['#{D | Format Date "yyyy-MM-ddTHH:mm"}', { D: '2030-05-22 09:05:00' }, '2030-05-22T09:05'],
    [
      '#{D | Format DateTime "dddd d MMMM yy, h:mm tt"}',
      { D: '2030-05-22 21:05:00' },
      'Wednesday 22 May 30, 9:05 PM',
    ],
    ['#{D | Format DateTimeOffset zzz}', { D: '2030-05-22T09:05:00+05:30' }, '+05:30'],
    ['#{D | AddDays 1}', { D: '2030-12-31T23:00:00Z' }, '2031-01-01T23:00:00.0000000Z'],
    ['#{D | Format s}', { D: '2030-05-22 09:05:00' }, '2030-05-22T09:05:00'],
    ['#{V | VersionMajor}.#{V | VersionMinor}', { V: 'v10.20' }, '10.20'],
    ['#{V | VersionPreReleasePrefix}', { V: '1.0.0-beta.3' }, 'beta'],
    ['#{calc 1/4+1e0}', {}, '#{calc 1/4+1e0}'],
    ['#{calc (A+1)*2}', { A: '1.5' }, '5'],
  ])('%s', (template, variables, expected) => expectEval(template, variables, expected));

  it('renders markdown lists, headings, code and links', () => {
    expectEval(
      '#{M | Markdown}',
      { M: '# Title\n\n- one\n- **two**\n\n`x < y` see <https://a.io>' },
      '<h1>Title</h1>\n<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n' +
        '<p><code>x &lt; y</code> see <a href="https://a.io">https://a.io</a></p>\n\n'
    );
  });

  it('echoes a version filter on an empty input', () => {
    expectEval('#{V | VersionMajor}', { V: '' }, '#{V | VersionMajor}');
  });
});
