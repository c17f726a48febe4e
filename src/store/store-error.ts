/**
 * A store that could not do what it was asked (not a missing key, which is an answer): what it
 * was doing, on which key, and whether trying again may help. Adapters wrap their SDK's error
 * as the cause; the worker retries what is retryable and hands the rest back to the queue.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly op: string,
    readonly key: string,
    readonly retryable: boolean,
    /** `detail`: the adapter's own wording of the cause, when its message says too little. */
    options: { cause: unknown; detail?: string }
  ) {
    super(`Failed to ${op} '${key}': ${options.detail ?? messageOf(options.cause)}`, {
      cause: options.cause,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Worth trying again: a store failure its adapter says may pass. */
export function isRetryableStoreError(error: unknown): boolean {
  return error instanceof StoreError && error.retryable;
}
