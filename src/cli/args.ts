import { promises as fs } from 'node:fs';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The options a command takes, as node:util parseArgs is given them. */
type OptionTable = Readonly<Record<string, { readonly type: string }>>;

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The names `word` was probably meant to be: those it abbreviates, then those a couple of
 * typing mistakes away, nearest first; at most three.
 */
export function nearestNames(word: string, names: readonly string[]): string[] {
  const typed = word.toLowerCase();
  if (typed === '') return [];
  const limit = Math.max(2, Math.floor(typed.length / 3));
  return names
    .map((name) => ({ name, score: name.startsWith(typed) ? 0 : editDistance(typed, name) }))
    .filter((s) => s.score <= limit)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((s) => s.name);
}

/** The options an unknown `--option` (or `--option=value`) was probably meant to be. */
export function suggestOptions(given: string, options: OptionTable): string[] {
  const word = given.replace(/^-+/, '').split('=')[0] ?? '';
  return nearestNames(word, Object.keys(options)).map((name) => `--${name}`);
}

/**
 * Runs a node:util parseArgs call, turning its errors into UsageError (exit code 125); given
 * the command's option table, an unknown option is answered with the options it was probably
 * meant to be.
 */
export function usage<T>(parse: () => T, options?: OptionTable): T {
  try {
    return parse();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const unknown = /^Unknown option '([^']*)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined && options) {
      const near = suggestOptions(unknown, options);
      const hint = near.length ? ` Did you mean ${near.join(' or ')}?` : '';
      throw new UsageError(`Unknown option '${unknown}'.${hint} See --help`);
    }
    throw new UsageError(message);
  }
}

const REASON: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

/**
 * A file the command line names; one that cannot be read is a usage error naming it, what it
 * is for and, when an option named it, that option.
 */
export async function readNamedFile(file: string, what: string, flag?: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = (code && REASON[code]) ?? code ?? String(error);
    throw new UsageError(`Cannot read ${what} '${file}'${flag ? ` (${flag})` : ''}: ${reason}`);
  }
}

/**
 * A warning per `--sensitive` name that no variable defines (names compare as Octopus's do,
 * ignoring case): a typo there would leave the real variable unmasked without a word.
 */
export function undefinedSensitiveWarnings(
  names: readonly string[] | undefined,
  variables: Readonly<Record<string, unknown>>
): string[] {
  const defined = new Set(Object.keys(variables).map((n) => n.toLowerCase()));
  return (names ?? [])
    .filter((name) => !defined.has(name.toLowerCase()))
    .map((name) => `tidepool: warning: --sensitive ${name}: no variable of that name is defined\n`);
}

/** `Name=Value` → [Name, Value]; the value may itself contain '='. */
export function splitPair(text: string, option: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${option} expects Name=Value, got '${text}'`);
  return [text.slice(0, at), text.slice(at + 1)];
}
