import {
  nearestNames,
  suggestOptions,
  undefinedSensitiveWarnings,
  usage,
  UsageError,
} from '../../../src/cli/args';
import { parseArgs } from 'node:util';

const OPTIONS = {
  variables: { type: 'string' },
  var: { type: 'string', multiple: true },
  sensitive: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'show-sensitive': { type: 'boolean' },
} as const;

describe('did you mean', () => {
  it.each<[string, string[]]>([
    ['--variabels', ['--variables']],
    ['--jsn', ['--json']],
    ['--sensitiv', ['--sensitive']],
    ['--show', ['--show-sensitive']],
    ['--va', ['--var', '--variables']],
    ['--Json=1', ['--json']],
    ['--frobnicate', []],
    ['-x', []],
  ])('%s → %p', (given, expected) => {
    expect(suggestOptions(given, OPTIONS)).toEqual(expected);
  });

  it('names commands too', () => {
    expect(nearestNames('rnu', ['run', 'render', 'result'])).toEqual(['run']);
    expect(nearestNames('', ['run'])).toEqual([]);
  });

  it('wraps parseArgs’s unknown-option error with the suggestion', () => {
    const parse = () =>
      parseArgs({ args: ['--variabels', 'v.json'], options: OPTIONS, strict: true });
    expect(() => usage(parse, OPTIONS)).toThrow(UsageError);
    expect(() => usage(parse, OPTIONS)).toThrow(
      "Unknown option '--variabels'. Did you mean --variables? See --help"
    );
    expect(() => usage(parse)).toThrow("Unknown option '--variabels'");
  });
});

describe('undefinedSensitiveWarnings', () => {
  it('warns for a name no variable defines, comparing without case', () => {
    expect(undefinedSensitiveWarnings(['password', 'Pasword'], { Password: 'x' })).toEqual([
      'tidepool: warning: --sensitive Pasword: no variable of that name is defined\n',
    ]);
    expect(undefinedSensitiveWarnings(undefined, {})).toEqual([]);
  });
});
