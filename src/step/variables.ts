// The variables document: name → string | null | { value: string | null, sensitive?: boolean }.
// Its one rule is step.schema.json's `variablesDocument`, whichever way a document arrives:
// inline in a message, as an object named by `variables.key`, as a `--variables` file of
// `tidepool run`, `render` or `verify`.

import type { ErrorObject } from 'ajv';
import { InputError } from './errors';
import { stepSchemaValidator } from './step-schema';
import type { VariableValue } from './types';

export type VariablesDocument = Record<string, VariableValue>;

/** What a variable's value may be, in words. */
export const VALUE_RULE =
  'a string, null or { "value": string or null, "sensitive": true or false }';

/** One thing wrong with a document: a variable's value or name, or (no name) the document. */
export interface VariablesProblem {
  name?: string;
  reason: string;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
}

/** Why a value's object form failed, from the errors inside it. */
function detail(error: ErrorObject, rest: string): string | undefined {
  const params = error.params as Record<string, unknown>;
  if (rest === '/value') return '"value" must be a string or null';
  if (rest === '/sensitive') return '"sensitive" must be true or false';
  if (rest !== '') return undefined;
  if (error.keyword === 'additionalProperties')
    return `'${String(params.additionalProperty)}' is not a known field`;
  if (error.keyword === 'required') return `"${String(params.missingProperty)}" is missing`;
  return undefined;
}

/**
 * What the schema validator's errors say about the document at instance path `base`, one
 * problem per variable at fault, in the order the validator met them.
 */
export function variablesProblems(errors: ErrorObject[], base: string): VariablesProblem[] {
  const document: VariablesProblem[] = [];
  const byName = new Map<string, string[]>();
  for (const error of errors) {
    const path = error.instancePath;
    if (path === base) {
      if (error.keyword === 'type') {
        document.push({ reason: 'must be a JSON object mapping variable names to values' });
      } else if (error.keyword === 'propertyNames') {
        const name = String((error.params as { propertyName?: unknown }).propertyName);
        document.push({ name, reason: 'has a name longer than 1024 characters' });
      }
      continue;
    }
    if (!path.startsWith(`${base}/`)) continue;
    const [segment = '', ...deeper] = path.slice(base.length + 1).split('/');
    const name = unescapePointer(segment);
    const details = byName.get(name) ?? [];
    byName.set(name, details);
    const why = detail(error, deeper.length ? `/${deeper.join('/')}` : '');
    if (why !== undefined && !details.includes(why)) details.push(why);
  }
  const values = [...byName].map(([name, details]) => ({
    name,
    reason: `must be ${VALUE_RULE}${details.length ? ` (${details.join('; ')})` : ''}`,
  }));
  return [...document, ...values];
}

/** The smallest valid step: a document is checked as its inline variables. */
const PROBE = {
  schemaVersion: 1,
  deploymentId: 'variables',
  stepId: 'variables',
  syntax: 'bash',
  script: { inline: '' },
};

/**
 * Checks a variables document (already parsed JSON) against the step schema, so that every
 * entry applies the schema's rule. `field` names the document in the error, e.g. `/variables`
 * or a file name; the first variable at fault is named.
 */
export function parseVariablesDocument(value: unknown, field: string): VariablesDocument {
  const validate = stepSchemaValidator();
  if (validate({ ...PROBE, variables: { inline: value } })) return value as VariablesDocument;
  const [problem] = variablesProblems(validate.errors ?? [], '/variables/inline');
  if (problem?.name === undefined) {
    const reason = problem?.reason ?? 'must be a JSON object mapping variable names to values';
    throw new InputError('input-invalid', field, `${field} ${reason}`);
  }
  throw new InputError(
    'input-invalid',
    `${field}/${problem.name}`,
    `${field}: variable '${shortName(problem.name)}' ${problem.reason}`
  );
}

/**
 * Parses the JSON text of a variables document, then checks it. `source` says where the text
 * came from, for the error when it is not JSON (e.g. `Variables file 'vars.json'`).
 */
export function parseVariablesJson(
  text: string,
  field: string,
  source: string = field
): VariablesDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The cause is rebuilt too: V8's own would carry the quote into any log that prints causes.
    const reason = `not valid JSON${where(error, text)}`;
    throw new InputError('input-invalid', field, `${source} is ${reason}`, {
      cause: new SyntaxError(reason),
    });
  }
  return parseVariablesDocument(value, field);
}

/**
 * Where JSON.parse stopped, as a line and column. Never its message: V8 quotes the text around
 * the error (`Unexpected token 's', "s3cret..." is not valid JSON`), which can be a secret.
 */
function where(error: unknown, text: string): string {
  const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!position) return /end of JSON/.test(String(error)) ? ' (it ends too early)' : '';
  const at = Math.min(Number(position[1]), text.length);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/**
 * The values substitution works with, and the names a document marks sensitive. A null value
 * is an empty string, as Octostache's binder reads it.
 */
export function flattenVariables(document: VariablesDocument): {
  raw: Record<string, string>;
  sensitiveNames: Set<string>;
} {
  const raw: Record<string, string> = {};
  const sensitiveNames = new Set<string>();
  for (const [name, v] of Object.entries(document)) {
    if (v !== null && typeof v === 'object') {
      raw[name] = v.value ?? '';
      if (v.sensitive) sensitiveNames.add(name);
    } else {
      raw[name] = v ?? '';
    }
  }
  return { raw, sensitiveNames };
}
