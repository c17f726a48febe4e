import { promises as fs } from 'node:fs';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a node:util parseArgs call, turning its errors into UsageError (exit code 125). */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A file the command line names; one that cannot be read is a usage error naming it. */
export async function readNamedFile(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new UsageError(
      `Cannot read ${what} '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`
    );
  }
}

/** `Name=Value` → [Name, Value]; the value may itself contain '='. */
export function splitPair(text: string, option: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${option} expects Name=Value, got '${text}'`);
  return [text.slice(0, at), text.slice(at + 1)];
}
