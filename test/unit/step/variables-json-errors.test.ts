import { parseVariablesJson } from '../../../src/step/variables';

function messageOf(text: string): string {
  try {
    parseVariablesJson(text, '/variables', "Variables file 'vars.json'");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('parsed');
}

function thrown(text: string): unknown {
  try {
    parseVariablesJson(text, '/variables');
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a variables document that is not JSON', () => {
  it.each([
    ['a bare word', 's3cret-value-here'],
    ['a stray token after a value', '{"Token": "s3cret-value-here" x}'],
    ['a control character in a string', '{"Token": "s3cret-\u0001value-here"}'],
    ['an unterminated string', '{"Token": "s3cret-value-here'],
    ['a missing colon', '{"Token" "s3cret-value-here"}'],
  ])('says where, never what: %s', (_, text) => {
    const message = messageOf(text);
    expect(message).toMatch(/^Variables file 'vars.json' is not valid JSON/);
    expect(message).not.toMatch(/s3c|cret|value|here|Token/);
    expect(String((thrown(text) as Error).cause)).not.toMatch(/s3c|cret|value|here|Token/);
  });

  it('names the line and column', () => {
    expect(messageOf('{\n  "A": "b"\n  "C": "d"\n}')).toBe(
      "Variables file 'vars.json' is not valid JSON (line 3, column 3)"
    );
  });
});
