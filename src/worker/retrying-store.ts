import type { ObjectStore } from '../store/object-store';
import { withRetries } from './retry';

/** An object store whose every call is retried with backoff on retryable failures. */
export class RetryingStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly options: { attempts?: number; baseMs?: number; maxMs?: number } = {}
  ) {}

  get(key: string, maxBytes: number): Promise<Buffer | undefined> {
    return withRetries(() => this.inner.get(key, maxBytes), this.options);
  }

  put(key: string, body: Buffer | string, contentType?: string): Promise<void> {
    return withRetries(() => this.inner.put(key, body, contentType), this.options);
  }

  putFile(key: string, filePath: string, contentType?: string): Promise<void> {
    return withRetries(() => this.inner.putFile(key, filePath, contentType), this.options);
  }

  locate(key: string): string {
    return this.inner.locate(key);
  }
}
