import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCommand } from '../../../src/cli/commands/render';
import type { CliIo } from '../../../src/cli/io';
import { InputError } from '../../../src/step/errors';
import { formatProblems, validateStep } from '../../../src/step/validate';
import {
  flattenVariables,
  parseVariablesDocument,
  parseVariablesJson,
} from '../../../src/step/variables';

const step = {
  schemaVersion: 1,
  deploymentId: 'd1',
  stepId: 's1',
  syntax: 'bash',
  script: { inline: '' },
};

/** Documents every entry must accept. */
const accepted: Array<[string, unknown]> = [
  ['strings', { A: 'a', B: '' }],
  ['a null value', { A: null }],
  ['an object value', { B: { value: 'b' } }],
  ['a sensitive null', { S: { value: null, sensitive: true } }],
  ['nothing', {}],
  ['a 1024-character name', { ['n'.repeat(1024)]: 'x' }],
];

/** Documents every entry must refuse, and the variable the refusal must name. */
const refused: Array<[string, unknown, string | undefined]> = [
  ['an unknown field', { A: 'a', B: { value: 'b', note: 'x' } }, 'B'],
  ['a number', { N: 1 }, 'N'],
  ['an array value', { A: ['no'] }, 'A'],
  ['a non-boolean sensitive flag', { S: { value: 'x', sensitive: 'yes' } }, 'S'],
  ['an object without a value', { S: { sensitive: true } }, 'S'],
  ['an object value that is a number', { S: { value: 1 } }, 'S'],
  ['a name over 1024 characters', { ['n'.repeat(1025)]: 'x' }, 'n'.repeat(40)],
  ['an array', [], undefined],
  ['a string', 'A=a', undefined],
  ['null', null, undefined],
];

function fakeIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTty: false,
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
    readStdin: async () => '#{A}',
  };
  return io;
}

const dir = mkdtempSync(join(tmpdir(), 'tidepool-vars-'));
let files = 0;
function fileWith(document: unknown): string {
  const file = join(dir, `vars-${++files}.json`);
  writeFileSync(file, JSON.stringify(document));
  return file;
}

/** What each entry says of a document: undefined when it accepts it, else its message. */
const entries: Record<string, (document: unknown) => Promise<string | undefined>> = {
  'inline in a message': async (document) => {
    const parsed = validateStep({ ...step, variables: { inline: document } });
    return parsed.ok ? undefined : formatProblems(parsed.problems);
  },
  'a parsed document (stored object, run --variables, verify)': async (document) => {
    try {
      parseVariablesDocument(document, 'vars.json');
      return undefined;
    } catch (error) {
      if (error instanceof InputError) return error.message;
      throw error;
    }
  },
  'JSON text': async (document) => {
    try {
      parseVariablesJson(JSON.stringify(document), 'vars.json');
      return undefined;
    } catch (error) {
      if (error instanceof InputError) return error.message;
      throw error;
    }
  },
  'tidepool render --variables': async (document) => {
    const io = fakeIo();
    const code = await renderCommand(['-', '--variables', fileWith(document)], io);
    return code === 0 ? undefined : io.stderr;
  },
};

describe('one variables contract: the same verdict through every entry', () => {
  describe.each(Object.entries(entries))('%s', (_entry, verdictOf) => {
    it.each(accepted)('accepts %s', async (_what, document) => {
      expect(await verdictOf(document)).toBeUndefined();
    });

    it.each(refused)('refuses %s, naming the variable', async (_what, document, name) => {
      expect(await verdictOf(document)).toContain(name ?? 'must be a JSON object');
    });
  });
});

describe('parseVariablesDocument', () => {
  it('says what a value may be and what is wrong with it', () => {
    expect(() => parseVariablesDocument({ B: { value: 'b', note: 'x' } }, 'vars.json')).toThrow(
      `vars.json: variable 'B' must be a string, null or { "value": string or null, "sensitive": true or false } ('note' is not a known field)`
    );
    expect(() => parseVariablesDocument({ S: { value: 'x', sensitive: 1 } }, '/variables')).toThrow(
      '("sensitive" must be true or false)'
    );
  });

  it('names the field at fault', () => {
    const error = (() => {
      try {
        parseVariablesDocument({ Good: 'x', 'a/b': 3 }, '/variables');
      } catch (e) {
        return e as InputError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('input-invalid');
    expect(error?.field).toBe('/variables/a/b');
  });

  it('keeps the JSON error as the cause of text that is not JSON', () => {
    let thrown: unknown;
    try {
      parseVariablesJson('{nope', 'vars.json', "Variables file 'vars.json'");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).message).toMatch(/^Variables file 'vars.json' is not valid JSON/);
    expect((thrown as InputError).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('validateStep on inline variables', () => {
  it('explains a bad variable in one line, without the key form’s complaints', () => {
    const parsed = validateStep({
      ...step,
      variables: { inline: { B: { value: 'b', note: 'x' } } },
    });
    expect(!parsed.ok && formatProblems(parsed.problems)).toBe(
      `/variables/inline/B: must be a string, null or { "value": string or null, "sensitive": true or false } ('note' is not a known field)`
    );
  });
});

describe('flattenVariables', () => {
  it('reads null as an empty string, as Octostache does, and collects the sensitive names', () => {
    expect(
      flattenVariables({ A: null, B: { value: null, sensitive: true }, C: { value: 'c' }, D: 'd' })
    ).toStrictEqual({ raw: { A: '', B: '', C: 'c', D: 'd' }, sensitiveNames: new Set(['B']) });
  });
});

describe('tidepool render', () => {
  it('renders a null variable as an empty string, as a step does', async () => {
    const io = fakeIo();
    expect(await renderCommand(['-', '--variables', fileWith({ A: null })], io)).toBe(0);
    expect(io.stdout).toBe('');
  });
});
