import { readFile } from 'node:fs/promises';
import { evaluate, evaluateStrict } from '../../octostache';
import { InputError } from '../../step/errors';
import { flattenVariables, parseVariablesJson } from '../../step/variables';
import { EXIT, type CliIo } from '../io';

export const RENDER_HELP = `Usage: tidepool render [template-file|-] [--variables vars.json] [--strict] [--help]

Evaluates Octostache #{...} substitution in the template (a file, or standard input when the
file is '-' or omitted) and prints the result, as Octopus would substitute script text.

Options:
  --variables <file>  JSON object mapping each variable name to a string, null, or
                      { "value": string or null, "sensitive": boolean }
  --strict            Also report every problem (unknown variables, syntax errors, limits) on
                      stderr, one per line, and exit with 1 when there is any
  --help              Show this help

Exit codes: 0 rendered, 1 problems found (--strict), 125 bad usage or unreadable input.
`;

class RenderUsageError extends Error {}

interface RenderArgs {
  template: string | null;
  variables: string | null;
  strict: boolean;
  help: boolean;
}

function parseArgs(args: string[]): RenderArgs {
  const out: RenderArgs = { template: null, variables: null, strict: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') out.help = true;
    else if (arg === '--strict') out.strict = true;
    else if (arg === '--variables' || arg.startsWith('--variables=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      if (!value) throw new RenderUsageError('--variables needs a file name');
      out.variables = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new RenderUsageError(`unknown option '${arg}'`);
    } else if (out.template !== null) {
      throw new RenderUsageError(
        `only one template may be given (got '${out.template}' and '${arg}')`
      );
    } else out.template = arg;
  }
  return out;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new RenderUsageError(`cannot read ${what} '${file}': ${(e as Error).message}`);
  }
}

/**
 * vars.json, by the one rule of a variables document (src/step/variables.ts): a null value
 * renders as an empty string, as it does in a step.
 */
function parseVariablesFile(text: string, file: string): Record<string, string> {
  try {
    return flattenVariables(parseVariablesJson(text, file)).raw;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new RenderUsageError(error.message, { cause: error });
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** `tidepool render`: prints the evaluated template; --strict reports problems and exits 1. */
export async function renderCommand(args: string[], io: CliIo): Promise<number> {
  let parsed: RenderArgs;
  let template: string;
  let variables: Record<string, string> = {};
  try {
    parsed = parseArgs(args);
    if (parsed.help) {
      io.out(RENDER_HELP);
      return EXIT.ok;
    }
    const file = parsed.template;
    template =
      file === null || file === '-' ? await io.readStdin() : await readText(file, 'template');
    if (parsed.variables !== null) {
      variables = parseVariablesFile(
        await readText(parsed.variables, 'variables file'),
        parsed.variables
      );
    }
  } catch (e) {
    if (!(e instanceof RenderUsageError)) throw e;
    io.err(`tidepool render: ${e.message}\n`);
    return EXIT.toolError;
  }
  if (!parsed.strict) {
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
