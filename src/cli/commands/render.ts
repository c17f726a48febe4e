import { parseArgs } from 'node:util';
import { evaluate, evaluateStrict } from '../../octostache';
import { InputError } from '../../step/errors';
import { flattenVariables, parseVariablesJson } from '../../step/variables';
import { readNamedFile, splitPair, undefinedSensitiveWarnings, usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';

export const RENDER_HELP = `Usage: tidepool render [template-file|-] [options]

Evaluates Octostache #{...} substitution in the template (a file, or standard input when the
file is '-' or omitted) and prints the result, as Octopus would substitute script text.

Options:
  --variables <file>  JSON object mapping each variable name to a string, null, or
                      { "value": string or null, "sensitive": boolean }
  --var Name=Value    One variable (repeatable; wins over --variables), as run takes it
  --sensitive Name    Mark a variable sensitive, as run takes it (repeatable); a name no
                      variable defines is warned about. The output is the text the script
                      receives, sensitive values included
  --strict            Also report every problem (unknown variables, syntax errors, limits) on
                      stderr, one per line, and exit with 1 when there is any
  -h, --help          Show this help

Exit codes: 0 rendered, 1 problems found (--strict), 125 bad usage or unreadable input.
`;

const RENDER_OPTIONS = {
  variables: { type: 'string' },
  var: { type: 'string', multiple: true },
  sensitive: { type: 'string', multiple: true },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * vars.json, by the one rule of a variables document (src/step/variables.ts): a null value
 * renders as an empty string, as it does in a step.
 */
async function readVariablesFile(file: string): Promise<Record<string, string>> {
  const text = (await readNamedFile(file, 'variables file', '--variables')).toString('utf8');
  try {
    return flattenVariables(parseVariablesJson(text, file)).raw;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new UsageError(error.message, { cause: error });
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** `tidepool render`: prints the evaluated template; --strict reports problems and exits 1. */
export async function renderCommand(args: string[], io: CliIo): Promise<number> {
  try {
    return await render(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`tidepool render: ${error.message}\n`);
    return EXIT.toolError;
  }
}

async function render(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(
    () => parseArgs({ args, options: RENDER_OPTIONS, allowPositionals: true, strict: true }),
    RENDER_OPTIONS
  );
  if (values.help) {
    io.out(RENDER_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `one template file at most, got ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(', ')}`
    );
  }
  const file = positionals[0];
  const template =
    file === undefined || file === '-'
      ? await io.readStdin()
      : (await readNamedFile(file, 'template')).toString('utf8');
  const variables = values.variables !== undefined ? await readVariablesFile(values.variables) : {};
  for (const pair of values.var ?? []) {
    const [name, value] = splitPair(pair, '--var');
    variables[name] = value;
  }
  for (const warning of undefinedSensitiveWarnings(values.sensitive, variables)) io.err(warning);
  if (values.strict !== true) {
    io.out(evaluate(template, variables));
    return EXIT.ok;
  }
  const result = evaluateStrict(template, variables);
  io.out(result.text);
  for (const p of result.problems) {
    io.err(
      `${lineAndColumn(template, p.position)} (offset ${p.position}) ${p.expression}: ${p.reason}\n`
    );
  }
  return result.problems.length ? 1 : EXIT.ok;
}
