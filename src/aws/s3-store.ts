import { createReadStream, promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ClaimsStore } from '../store/claims-store';
import { checkKey, TooLargeError, type ObjectStore } from '../store/object-store';
import { StoreError } from '../store/store-error';

/** What S3 answered, in words: its error's own message is often empty. */
function describe(error: unknown): string {
  if (error instanceof S3ServiceException) {
    const code = error.$metadata.httpStatusCode;
    // S3 hides a missing key behind a 403 from a caller without s3:ListBucket on its prefix.
    const hint =
      code === 403
        ? ': IAM does not allow it, or the key is missing and s3:ListBucket is not allowed on its prefix'
        : '';
    return `${error.name} (HTTP ${code ?? '?'})${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function status(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** Throttling, 5xx and network errors are worth retrying; a 4xx is not. */
export function isRetryable(error: unknown): boolean {
  const code = status(error);
  if (code === undefined) return true;
  return code === 429 || code >= 500;
}

function failure(op: string, key: string, error: unknown): StoreError {
  return new StoreError(op, key, isRetryable(error), { cause: error, detail: describe(error) });
}

async function readBounded(body: Readable, key: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new TooLargeError(key, maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** An object store in an S3 bucket, below a prefix; its failures are StoreErrors. */
export class S3ObjectStore implements ObjectStore, ClaimsStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix = ''
  ) {}

  private full(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${this.full(key)}`;
  }

  /** A store for the keys below `prefix` of this one. */
  child(prefix: string): S3ObjectStore {
    return new S3ObjectStore(this.client, this.bucket, this.prefix + prefix);
  }

  /** The object's bytes and ETag, or undefined when there is no such key. */
  private async fetch(
    key: string,
    maxBytes: number
  ): Promise<{ body: Buffer; etag: string } | undefined> {
    const full = this.full(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: full }));
      if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
        (out.Body as Readable | undefined)?.destroy();
        throw new TooLargeError(key, maxBytes);
      }
      const body = await readBounded(out.Body as Readable, key, maxBytes);
      return { body, etag: out.ETag ?? '' };
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      if (error instanceof NoSuchKey || status(error) === 404) return undefined;
      throw failure('read', full, error);
    }
  }

  async get(key: string, maxBytes: number): Promise<Buffer | undefined> {
    return (await this.fetch(key, maxBytes))?.body;
  }

  /** The object's text and ETag, or undefined. */
  async getWithEtag(
    key: string,
    maxBytes: number
  ): Promise<{ text: string; etag: string } | undefined> {
    const found = await this.fetch(key, maxBytes);
    return found && { text: found.body.toString('utf8'), etag: found.etag };
  }

  /** Writes the object; returns its new ETag. */
  private async write(
    op: string,
    key: string,
    input: Omit<PutObjectCommandInput, 'Bucket' | 'Key'>
  ): Promise<string> {
    const full = this.full(key);
    try {
      const out = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: full, ...input })
      );
      return out.ETag ?? '';
    } catch (error) {
      throw failure(op, full, error);
    }
  }

  async put(key: string, body: Buffer | string, contentType?: string): Promise<void> {
    await this.write('write', key, { Body: body, ContentType: contentType });
  }

  async putFile(key: string, filePath: string, contentType?: string): Promise<void> {
    const { size } = await fs.stat(filePath);
    await this.write('upload', key, {
      Body: createReadStream(filePath),
      ContentLength: size,
      ContentType: contentType,
    });
  }

  /**
   * Writes only if the key does not exist (`If-None-Match: *`), or only over the version with
   * `ifMatch`'s ETag. Returns the new ETag, or undefined when the condition failed: someone
   * else got there first.
   */
  async putConditional(
    key: string,
    body: Buffer | string,
    condition: { ifMatch?: string },
    contentType = 'application/json'
  ): Promise<string | undefined> {
    try {
      return await this.write('write', key, {
        Body: body,
        ContentType: contentType,
        ...(condition.ifMatch ? { IfMatch: condition.ifMatch } : { IfNoneMatch: '*' }),
      });
    } catch (error) {
      const code = status((error as StoreError).cause);
      if (code === 412 || code === 409) return undefined;
      throw error;
    }
  }

  /**
   * Whether the key exists, without reading it. A missing key is a 404 only for a caller with
   * s3:ListBucket on its prefix; without it S3 answers 403, which is thrown, not taken as absent.
   */
  async exists(key: string): Promise<boolean> {
    const full = this.full(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: full }));
      return true;
    } catch (error) {
      if (status(error) === 404 || (error as Error).name === 'NotFound') return false;
      throw failure('look up', full, error);
    }
  }

  async delete(key: string): Promise<void> {
    const full = this.full(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }));
    } catch (error) {
      throw failure('delete', full, error);
    }
  }
}
