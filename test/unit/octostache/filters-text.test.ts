import { expectEval } from './helpers';

describe('Function: case and text filters', () => {
  it.each([
    ['#{Foo | ToUpper}', { Foo: 'straße' }, 'STRAßE'],
    ['#{Foo | tolower}', { Foo: 'ÀBC' }, 'àbc'],
    ['#{Foo | ToUpper x}', { Foo: 'a' }, '#{Foo | ToUpper "x"}'],
    ['#{Foo | Trim}', { Foo: '\u00a0 a \u0085' }, 'a'],
    ['#{Foo | Trim start}', { Foo: ' a ' }, 'a '],
    ['#{Foo | Substring 2 3}', { Foo: 'abcdef' }, 'cde'],
    ['#{Foo | Substring 6 3}', { Foo: 'abcdef' }, ''],
    ['#{Foo | Truncate 3 "…"}', { Foo: 'abcdef' }, 'abc…'],
    ['#{Foo | Append a b}', { Foo: 'x' }, 'xab'],
    ['#{Foo | Prepend a}', { Foo: 'x' }, 'ax'],
    ['#{Foo | Indent 2}', { Foo: 'a\nb' }, '  a\n  b'],
    ['#{Foo | Indent "> "}', { Foo: 'a\nb' }, '> a\n> b'],
  ])('%s', (template, variables, expected) => expectEval(template, variables, expected));
});

describe('Function: comparison and regex filters', () => {
  it.each([
    ['#{Foo | StartsWith ab}', { Foo: 'abc' }, 'true'],
    ['#{Foo | EndsWith ab}', { Foo: 'abc' }, 'false'],
    ['#{Foo | Contains b}', { Foo: 'abc' }, 'true'],
    ['#{Foo | Match "^\\d{3}$"}', { Foo: '123' }, 'true'],
    ['#{Foo | Match "(?i)ABC"}', { Foo: 'xabcx' }, 'true'],
    ['#{Foo | Match "a$"}', { Foo: 'ba\n' }, 'true'],
    ['#{Foo | Replace "(?<w>\\w+)@" "${w} at "}', { Foo: 'me@host' }, 'me at host'],
    ['#{Foo | Replace "[aeiou]" "$$"}', { Foo: 'bat' }, 'b$t'],
    ['#{Foo | Replace "x*" -}', { Foo: 'ab' }, '-a-b-'],
    ['#{Foo | Replace "\\bcat\\b" dog}', { Foo: 'cat concat cat' }, 'dog concat dog'],
    ['#{Foo | Replace "(?<=a)b" X}', { Foo: 'abcb' }, 'aXcb'],
    ['#{Foo | Replace "[a-z-[aeiou]]" _}', { Foo: 'bead' }, '_ea_'],
  ])('%s', (template, variables, expected) => expectEval(template, variables, expected));

  it('echoes the token when the pattern is invalid', () => {
    expectEval('#{Foo | Match "("}', { Foo: 'a' }, '#{Foo | Match "("}');
  });
});
