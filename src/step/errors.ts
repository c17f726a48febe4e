// The codes a result's `error.code` carries, and the error the pipeline throws for an input it
// refuses. schemas/result.schema.json lists the same codes as an enum; a unit test keeps the
// two equal.

export const RESULT_ERROR_CODES = [
  /** The message is not a valid step (schemas/step.schema.json). */
  'invalid-message',
  'input-missing',
  'input-invalid',
  'input-too-large',
  /** The integrity policy refused the script or a module. */
  'integrity',
  'unsupported-syntax',
  /** The step names a scriptRoleArn this worker may not assume. */
  'role-not-allowed',
  'timed-out',
  'cancelled',
  /** The script's process ended by a signal it did not ask for. */
  'killed',
] as const;

export type ResultErrorCode = (typeof RESULT_ERROR_CODES)[number];

/** Why Tidepool itself stopped or refused a step, as result.json says it. */
export interface ResultError {
  code: ResultErrorCode;
  message: string;
}

/** The codes of an input refused before anything ran. */
export type InputErrorCode = Extract<
  ResultErrorCode,
  'input-missing' | 'input-invalid' | 'input-too-large' | 'unsupported-syntax'
>;

/** An input the step cannot run with: stored as a `rejected` result naming the field. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    /** JSON Pointer of the field at fault, e.g. `/variables/Name`. */
    readonly field: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}
