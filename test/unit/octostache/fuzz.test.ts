import fc from 'fast-check';
import { evaluate, evaluateStrict, resolveVariables } from '../../../src/octostache';

const TIME_BOUND_MS = 2000;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

const fragment = fc.oneof(
  fc.constantFrom(
    '#{',
    '}',
    '#{if A}',
    '#{else}',
    '#{/if}',
    '#{each x in L}',
    '#{/each}',
    '#{unless A}',
    '#{/unless}',
    '#{calc A*2}',
    '##{',
    '###{',
    '|',
    ' | ToUpper',
    ' | Replace "(a+)+$" b',
    '[',
    ']',
    '[#{B}]',
    '"',
    '\\"',
    '#{A}',
    '#{B.C[0]}',
    '#{L[*]}',
    '#{x}',
    '#{ | null}',
    '#{elseif B}',
    ' == "a"',
    '#{J.k}'
  ),
  fc.string({ maxLength: 8 })
);

const template = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));
const variables = fc.dictionary(
  fc.constantFrom('A', 'B', 'L', 'J', 'x', 'B.C[0]', 'Self'),
  fc.oneof(template, fc.constantFrom('a,b,c', '{"k":[1,2]}', '#{Self}', '#{A}#{A}'))
);

describe('Property: the engine never throws and always returns in time', () => {
  it('evaluate handles random and malformed templates', () => {
    fc.assert(
      fc.property(template, variables, (t, vars) => {
        const { value, ms } = timed(() => evaluate(t, vars));
        expect(typeof value).toBe('string');
        expect(ms).toBeLessThan(TIME_BOUND_MS);
        const strict = evaluateStrict(t, vars);
        expect(strict.text).toBe(value);
        expect(Object.keys(resolveVariables(vars))).toStrictEqual(Object.keys(vars));
      }),
      { numRuns: 300 }
    );
  });

  it('returns the input unchanged when it has no #{', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!s.includes('#{'));
        expect(evaluate(s, {})).toBe(s);
      })
    );
  });
});

describe('Function: adversarial inputs are bounded', () => {
  it.each([
    ['deep if nesting', '#{if A}'.repeat(5000) + 'x' + '#{/if}'.repeat(5000), { A: 'true' }],
    ['deep symbolic indexers', '#{A' + '[#{A'.repeat(3000) + ']}'.repeat(3000) + '}', { A: 'a' }],
    [
      'deep filter options',
      '#{A | Append ' + '#{A | Append '.repeat(3000) + '}'.repeat(3001),
      { A: 'a' },
    ],
    ['unclosed tokens', '#{'.repeat(20000), {}],
    ['regex bomb in Match', '#{A | Match "(a+)+$"}', { A: 'a'.repeat(5000) + '!' }],
    ['regex bomb in Replace', '#{A | Replace "(x+x+)+y" z}', { A: 'x'.repeat(5000) }],
    ['polynomial regex', '#{A | Match "\\w*\\w*\\w*\\w*\\w*!"}', { A: 'a'.repeat(3000) }],
    [
      'many each iterations',
      '#{each a in L}#{each b in L}#{each c in L}#{a}#{b}#{c}#{/each}#{/each}#{/each}',
      { L: Array(300).fill('x').join(',') },
    ],
  ])('%s', (_name, t, vars) => {
    const { value, ms } = timed(() => evaluateStrict(t, vars));
    expect(ms).toBeLessThan(TIME_BOUND_MS * 3);
    expect(typeof value.text).toBe('string');
  });

  it('stops a billion-laughs chain with a clear problem', () => {
    const vars: Record<string, string> = { L0: 'lol'.repeat(100) };
    for (let i = 1; i <= 40; i++) vars[`L${i}`] = `#{L${i - 1}}#{L${i - 1}}`;
    const { value, ms } = timed(() => evaluateStrict('#{L40}', vars));
    expect(ms).toBeLessThan(TIME_BOUND_MS * 3);
    expect(value.text).toBe('#{L40}');
    expect(value.problems[0]?.reason).toMatch(/exceeded|more than/);
    const resolved = timed(() => resolveVariables(vars));
    expect(resolved.ms).toBeLessThan(TIME_BOUND_MS * 10);
    expect(resolved.value.L40).toBe('#{L39}#{L39}');
    expect(resolved.value.L2).toBe('lol'.repeat(400));
  });

  it('stops a huge single expansion', () => {
    const vars: Record<string, string> = { Big: 'x'.repeat(4 * 1024 * 1024) };
    for (let i = 1; i <= 12; i++)
      vars[`B${i}`] = `#{${i === 1 ? 'Big' : `B${i - 1}`}}#{${i === 1 ? 'Big' : `B${i - 1}`}}`;
    const { value } = timed(() => evaluateStrict('#{B12}', vars));
    expect(value.text).toBe('#{B12}');
    expect(value.problems[0]?.reason).toMatch(/characters/);
  });

  it('reports self-references without throwing', () => {
    const strict = evaluateStrict('#{A}', { A: '#{B}', B: '#{A}' });
    expect(strict.text).toBe('#{A}');
    expect(strict.problems[0]?.reason).toMatch(/self referencing loop \(A -> B/);
    expect(resolveVariables({ A: '#{B}', B: '#{A}', C: '#{D}', D: 'd' })).toStrictEqual({
      A: '#{B}',
      B: '#{A}',
      C: 'd',
      D: 'd',
    });
  });
});
