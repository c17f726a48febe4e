import type { ObjectStore } from '../store/object-store';
import { InvalidKeyError, TooLargeError } from '../store/object-store';
import type { Source } from '../step/types';
import { InputError } from '../step/errors';

export interface ResolvedText {
  text: string;
  origin: 'inline' | 'store';
  key?: string;
}

/** Reads a source, bounded: inline text or an object in the input store, as UTF-8. */
export async function resolveSource(
  store: ObjectStore,
  source: Source,
  field: string,
  maxBytes: number
): Promise<ResolvedText> {
  if ('inline' in source) {
    if (Buffer.byteLength(source.inline, 'utf8') > maxBytes) {
      throw new InputError('input-too-large', field, `${field} is larger than ${maxBytes} bytes`);
    }
    return { text: source.inline, origin: 'inline' };
  }
  let body: Buffer | undefined;
  try {
    body = await store.get(source.key, maxBytes);
  } catch (error) {
    if (error instanceof InvalidKeyError) {
      throw new InputError('input-invalid', field, `${field}: ${error.message}`, { cause: error });
    }
    if (error instanceof TooLargeError) {
      throw new InputError(
        'input-too-large',
        field,
        `${field}: object '${source.key}' is larger than ${maxBytes} bytes`,
        { cause: error }
      );
    }
    throw error;
  }
  if (body === undefined) {
    throw new InputError('input-missing', field, `${field}: object '${source.key}' does not exist`);
  }
  return { text: decodeUtf8(body, field, source.key), origin: 'store', key: source.key };
}

function decodeUtf8(body: Buffer, field: string, key: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    throw new InputError('input-invalid', field, `${field}: object '${key}' is not valid UTF-8`, {
      cause: error,
    });
  }
}
