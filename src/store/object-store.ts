// Where step inputs are read from and result bundles written to. The filesystem store is
// the embedded default; part 4 adds S3 behind the same interface.

export interface ObjectStore {
  /** The object's bytes, or undefined when there is no such key. Throws TooLargeError past maxBytes. */
  get(key: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Writes atomically: a reader sees the old object or the whole new one, never part of it. */
  put(key: string, body: Buffer | string, contentType?: string): Promise<void>;
  /** Copies a local file into the store, streaming it. */
  putFile(key: string, filePath: string, contentType?: string): Promise<void>;
  /** Where a person finds the object: a file path, or an s3:// URL. */
  locate(key: string): string;
}

export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
  constructor(
    readonly key: string,
    readonly limit: number
  ) {
    super(`Object '${key}' is larger than the limit of ${limit} bytes`);
  }
}

export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
  constructor(
    readonly key: string,
    reason: string
  ) {
    super(`Invalid object key '${key}': ${reason}`);
  }
}

/** Keys are relative, '/'-separated, without '.', '..' or empty segments. */
export function checkKey(key: string): void {
  if (key.length === 0 || key.length > 1024) throw new InvalidKeyError(key, 'length');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'must be relative');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(key))
    throw new InvalidKeyError(key, 'control character or backslash');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKeyError(key, `segment '${segment}' is not allowed`);
    }
  }
}
