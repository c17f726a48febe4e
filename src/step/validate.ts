import type { ErrorObject } from 'ajv';
import { ID_RULE, isId } from './ids';
import { stepSchemaValidator } from './step-schema';
import type { StepAddress, StepMessage } from './types';
import { variablesProblems } from './variables';

export interface FieldProblem {
  /** JSON Pointer-ish path of the field at fault, e.g. `/script/inline`; `/` for the root. */
  field: string;
  reason: string;
}

export type StepParse =
  | { ok: true; step: StepMessage }
  | { ok: false; problems: FieldProblem[]; address: StepAddress | undefined };

/** The ids of a message, if it has valid ones, whatever else is wrong with it. */
export function addressOf(value: unknown): StepAddress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { deploymentId, stepId } = value as Record<string, unknown>;
  if (typeof deploymentId !== 'string' || typeof stepId !== 'string') return undefined;
  if (!isId(deploymentId) || !isId(stepId)) return undefined;
  return { deploymentId, stepId };
}

function describe(error: ErrorObject): FieldProblem {
  const field = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        field: `${error.instancePath}/${String(params.additionalProperty)}`,
        reason: 'is not a known field',
      };
    case 'required':
      return {
        field: `${error.instancePath}/${String(params.missingProperty)}`,
        reason: 'is required',
      };
    case 'enum':
      return {
        field,
        reason: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { field, reason: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
      return { field, reason: `has a value that is not allowed (${patternHint(field)})` };
    default:
      return { field, reason: error.message ?? 'is invalid' };
  }
}

function patternHint(field: string): string {
  if (/Id$|^\/previousSteps\//.test(field)) return ID_RULE;
  return 'a relative key without "." or ".." segments or control characters';
}

const INLINE = '/variables/inline';

/**
 * Inline variables are explained as every variables document is (./variables.ts), one line
 * per variable at fault; the `{ key }` branch's complaints about them are dropped.
 */
function variableProblems(errors: ErrorObject[]): {
  problems: FieldProblem[];
  rest: ErrorObject[];
} {
  const inline = (e: ErrorObject) =>
    e.instancePath === INLINE || e.instancePath.startsWith(`${INLINE}/`);
  if (!errors.some(inline)) return { problems: [], rest: errors };
  const problems = variablesProblems(errors.filter(inline), INLINE).map((p) => ({
    field:
      p.name === undefined
        ? INLINE
        : `${INLINE}/${p.name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
    reason: p.reason,
  }));
  const rest = errors.filter(
    (e) => !inline(e) && !e.schemaPath.startsWith('#/properties/variables/oneOf/1/')
  );
  return { problems, rest };
}

/**
 * Keeps the problems a person can act on: a failed `oneOf` is explained by its branches,
 * so the bare "must match exactly one schema" line is dropped when a branch says more.
 */
function simplify(errors: ErrorObject[]): FieldProblem[] {
  const variables = variableProblems(errors);
  const problems = [
    ...variables.problems,
    ...variables.rest.filter((e) => e.keyword !== 'oneOf').map(describe),
  ];
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.field} ${p.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length > 0) return unique;
  return errors.map(describe);
}

export function validateStep(value: unknown): StepParse {
  const validate = stepSchemaValidator();
  if (validate(value)) return { ok: true, step: value as StepMessage };
  return { ok: false, problems: simplify(validate.errors ?? []), address: addressOf(value) };
}

/** Parses and validates a message body; a body that is not JSON is a problem at `/`. */
export function parseStep(body: string, maxBytes = 1 << 20): StepParse {
  const size = Buffer.byteLength(body, 'utf8');
  if (size > maxBytes) {
    return {
      ok: false,
      problems: [{ field: '/', reason: `is ${size} bytes; the limit is ${maxBytes}` }],
      address: undefined,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      problems: [{ field: '/', reason: `is not valid JSON: ${(error as Error).message}` }],
      address: undefined,
    };
  }
  return validateStep(value);
}

export function formatProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
}
