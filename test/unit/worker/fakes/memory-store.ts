import { readFileSync } from 'node:fs';
import type { BucketStore } from '../../../../src/store/claims-store';
import { checkKey, TooLargeError } from '../../../../src/store/object-store';
import { StoreError } from '../../../../src/store/store-error';

interface Stored {
  body: Buffer;
  etag: string;
}

/**
 * A bucket in memory, with S3's conditional writes: every write makes a new ETag, a put with
 * no condition succeeds only for a new key, one with `ifMatch` only over that version. Every
 * call is recorded (`calls`, as `op key`), and failures can be injected.
 */
export class MemoryStore implements BucketStore {
  readonly objects = new Map<string, Stored>();
  readonly calls: string[] = [];
  private version = 0;
  private faults:
    { left: number; retryable: boolean; when: (op: string, key: string) => boolean } | undefined;

  /**
   * The next `count` calls (default: all of them) that `when` picks (default: any) fail with a
   * StoreError, retryable (as for S3's 503) unless said otherwise.
   */
  fail(
    options: {
      count?: number;
      retryable?: boolean;
      when?: (op: string, key: string) => boolean;
    } = {}
  ): void {
    this.faults = {
      left: options.count ?? Infinity,
      retryable: options.retryable ?? true,
      when: options.when ?? (() => true),
    };
  }

  /** The object's text, without recording a call. */
  text(key: string): string | undefined {
    return this.objects.get(key)?.body.toString('utf8');
  }

  /** Sets an object directly, as another worker or a user would have. */
  seed(key: string, body: string | object): string {
    return this.store(key, typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** The keys of calls of one kind, e.g. `writes('put')`. */
  keysOf(op: string): string[] {
    return this.calls.filter((c) => c.startsWith(`${op} `)).map((c) => c.slice(op.length + 1));
  }

  private call(op: string, key: string): void {
    checkKey(key);
    this.calls.push(`${op} ${key}`);
    if (this.faults && this.faults.left > 0 && this.faults.when(op, key)) {
      this.faults.left--;
      throw new StoreError(op, key, this.faults.retryable, {
        cause: new Error(this.faults.retryable ? 'SlowDown (HTTP 503)' : 'AccessDenied (HTTP 403)'),
      });
    }
  }

  private store(key: string, body: Buffer | string): string {
    const etag = `"v${++this.version}"`;
    this.objects.set(key, { body: Buffer.from(body), etag });
    return etag;
  }

  async get(key: string, maxBytes: number): Promise<Buffer | undefined> {
    this.call('get', key);
    const found = this.objects.get(key);
    if (found && found.body.length > maxBytes) throw new TooLargeError(key, maxBytes);
    return found && Buffer.from(found.body);
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    this.call('put', key);
    this.store(key, body);
  }

  async putFile(key: string, filePath: string): Promise<void> {
    this.call('put', key);
    this.store(key, readFileSync(filePath));
  }

  locate(key: string): string {
    checkKey(key);
    return `memory://${key}`;
  }

  async putConditional(
    key: string,
    body: Buffer | string,
    condition: { ifMatch?: string }
  ): Promise<string | undefined> {
    this.call('putConditional', key);
    const current = this.objects.get(key);
    const allowed = condition.ifMatch ? current?.etag === condition.ifMatch : current === undefined;
    return allowed ? this.store(key, body) : undefined;
  }

  async getWithEtag(
    key: string,
    maxBytes: number
  ): Promise<{ text: string; etag: string } | undefined> {
    this.call('getWithEtag', key);
    const found = this.objects.get(key);
    if (found && found.body.length > maxBytes) throw new TooLargeError(key, maxBytes);
    return found && { text: found.body.toString('utf8'), etag: found.etag };
  }

  async delete(key: string): Promise<void> {
    this.call('delete', key);
    this.objects.delete(key);
  }
}
