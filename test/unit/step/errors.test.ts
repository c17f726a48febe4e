import resultSchema from '../../../schemas/result.schema.json';
import { InputError, RESULT_ERROR_CODES } from '../../../src/step/errors';

describe('result error codes', () => {
  it('are the codes result.schema.json lists for error.code, in the same order', () => {
    expect(resultSchema.properties.error.properties.code.enum).toStrictEqual([
      ...RESULT_ERROR_CODES,
    ]);
  });
});

describe('InputError', () => {
  it('keeps its code, its field and the error it wraps', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new InputError('input-invalid', '/variables', '/variables is not JSON', {
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InputError');
    expect(error.code).toBe('input-invalid');
    expect(error.field).toBe('/variables');
    expect(error.cause).toBe(cause);
  });
});
