import type { ObjectStore } from './object-store';

/**
 * What claims need of a store beyond reading and writing: writes that succeed only for the
 * first writer or over a known version (S3's If-None-Match / If-Match), the version a read
 * saw, and deletes. Failures are StoreErrors (./store-error).
 */
export interface ClaimsStore {
  /**
   * Writes only if the key does not exist, or with `ifMatch` only over the version with that
   * ETag. The new ETag, or undefined when the condition failed: someone else got there first.
   */
  putConditional(
    key: string,
    body: Buffer | string,
    condition: { ifMatch?: string },
    contentType?: string
  ): Promise<string | undefined>;
  /** The object's text and ETag, or undefined when there is no such key. */
  getWithEtag(key: string, maxBytes: number): Promise<{ text: string; etag: string } | undefined>;
  /** Deletes the key; a missing key is fine. */
  delete(key: string): Promise<void>;
}

/** The worker's view of the bucket: objects, and claims on them. */
export type BucketStore = ObjectStore & ClaimsStore;
