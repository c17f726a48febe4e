import type { ValidateFunction } from 'ajv';

let compiled: ValidateFunction | undefined;

/**
 * schemas/step.schema.json, compiled ahead of time by scripts/compile-schemas.mjs: loading
 * and running the schema compiler would cost every cold start over 100 ms.
 */
export function stepSchemaValidator(): ValidateFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  compiled ??= require('./step-validator.generated') as ValidateFunction;
  return compiled;
}
