import { isRetryableStoreError } from '../store/store-error';

/**
 * Retries `fn` with exponential backoff while its failure is a retryable store error, for up
 * to `attempts` tries: a result must survive S3 being unavailable for a while.
 */
export async function withRetries<T>(
  fn: () => Promise<T>,
  options: { attempts?: number; baseMs?: number; maxMs?: number } = {}
): Promise<T> {
  const attempts = options.attempts ?? 8;
  const base = options.baseMs ?? 100;
  const max = options.maxMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryableStoreError(error) || attempt >= attempts) throw error;
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
