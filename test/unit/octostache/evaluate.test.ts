import { evaluate, evaluateStrict, resolveVariables } from '../../../src/octostache';

describe('Function: evaluate (lenient)', () => {
  it('keeps the text of unparsable tokens and substitutes the rest', () => {
    expect(evaluate('a #{Foo b #{Bar} c #{', { Bar: 'B' })).toBe('a #{Foo b B c #{');
  });

  it('turns ##{ into #{ and keeps unknown tokens in normalised form', () => {
    expect(evaluate('##{x} #{  y  |  ToUpper  a }', {})).toBe('#{x} #{y | ToUpper "a"}');
  });

  it('returns an empty string for a top-level null', () => {
    expect(evaluate('abc #{ | null}', {})).toBe('');
  });

  it('looks names up case-insensitively and supports JSON values', () => {
    expect(
      evaluate('#{octopus.action[PKG].NAME} #{J.items[1].n}', {
        'Octopus.Action[pkg].Name': 'p',
        J: '{"items":[{"n":1},{"n":2}]}',
      })
    ).toBe('p 2');
  });

  it('iterates comma lists with the special variables', () => {
    expect(
      evaluate('#{each i in L}#{i}#{if Octopus.Template.Each.Last}!#{else},#{/if}#{/each}', {
        L: 'a,b',
      })
    ).toBe('a,b!');
  });
});

describe('Function: evaluateStrict', () => {
  it('reports syntax errors, missing tokens and positions', () => {
    const result = evaluateStrict('x #{Missing} #{Foo', {});
    expect(result.text).toBe('x #{Missing} #{Foo');
    expect(result.problems).toStrictEqual([
      {
        expression: '#{Missing}',
        position: 2,
        reason: "The following tokens were unable to be evaluated: '#{Missing}'",
      },
      expect.objectContaining({ expression: '#{Foo', position: 13 }),
    ]);
  });

  it('has no problems for a clean template', () => {
    expect(evaluateStrict('#{A}', { A: '1' })).toStrictEqual({ text: '1', problems: [] });
  });
});

describe('Function: resolveVariables', () => {
  it('evaluates every value against the whole set and keeps the keys', () => {
    expect(
      resolveVariables({ Url: 'http://#{Server | ToLower}:#{port}', Server: 'WEB', Port: '80' })
    ).toStrictEqual({
      Url: 'http://web:80',
      Server: 'WEB',
      Port: '80',
    });
  });
});
