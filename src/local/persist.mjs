// Keeps the embedded server's objects and messages on disk (fauxqs 1.9.2 holds everything in
// memory): each object as a file when it is written, each queue's messages as a snapshot after
// every SQS request that changed them. A restart reads both back; in-flight messages come
// back visible, since no worker of the previous run is left to finish them.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';

const dist = path.dirname(new URL(import.meta.resolve('fauxqs')).pathname);
const { S3Store } = await import(path.join(dist, 's3', 's3Store.js'));
const { SqsStore } = await import(path.join(dist, 'sqs', 'sqsStore.js'));

function atomicWrite(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

const named = (key) => createHash('sha256').update(key).digest('hex');

/**
 * The stores for buildApp, kept under `dir`. `dropOnLoad(key)` names objects not to bring
 * back (the claims of the previous run's workers, which are all gone).
 */
export function persistentStores(dir, dropOnLoad = () => false) {
  const s3Dir = path.join(dir, 's3');
  const queuesFile = path.join(dir, 'queues.json');
  mkdirSync(s3Dir, { recursive: true });
  let loading = true;

  class DiskS3Store extends S3Store {
    objectFile(bucket, key) {
      return path.join(s3Dir, named(bucket), named(key));
    }
    createBucket(name) {
      const out = super.createBucket(name);
      const bucketDir = path.join(s3Dir, named(name));
      mkdirSync(bucketDir, { recursive: true });
      atomicWrite(path.join(bucketDir, 'bucket.json'), JSON.stringify({ name }));
      return out;
    }
    save(bucket, obj) {
      if (loading) return;
      const file = this.objectFile(bucket, obj.key);
      atomicWrite(`${file}.body`, obj.body);
      const meta = { key: obj.key, contentType: obj.contentType, metadata: obj.metadata };
      atomicWrite(`${file}.json`, JSON.stringify(meta));
    }
    putObject(bucket, key, body, contentType, metadata) {
      const obj = super.putObject(bucket, key, body, contentType, metadata);
      this.save(bucket, obj);
      return obj;
    }
    completeMultipartUpload(uploadId, parts) {
      const bucket = this.multipartUploads.get(uploadId)?.bucket;
      const obj = super.completeMultipartUpload(uploadId, parts);
      if (bucket !== undefined) this.save(bucket, obj);
      return obj;
    }
    deleteObject(bucket, key) {
      super.deleteObject(bucket, key);
      const file = this.objectFile(bucket, key);
      rmSync(`${file}.json`, { force: true });
      rmSync(`${file}.body`, { force: true });
    }
  }

  const pending = new Map();
  class DiskSqsStore extends SqsStore {
    createQueue(name, url, arn, attributes, tags) {
      const queue = super.createQueue(name, url, arn, attributes, tags);
      for (const message of pending.get(name) ?? []) queue.enqueue(message);
      pending.delete(name);
      return queue;
    }
  }

  const s3Store = new DiskS3Store();
  const sqsStore = new DiskSqsStore();

  for (const bucketName of readdirSync(s3Dir)) {
    const bucketDir = path.join(s3Dir, bucketName);
    const marker = path.join(bucketDir, 'bucket.json');
    if (!existsSync(marker)) continue;
    const { name } = JSON.parse(readFileSync(marker, 'utf8'));
    if (!s3Store.hasBucket(name)) s3Store.createBucket(name);
    for (const file of readdirSync(bucketDir)) {
      if (!file.endsWith('.json') || file === 'bucket.json') continue;
      const base = path.join(bucketDir, file.slice(0, -5));
      let meta;
      try {
        meta = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
      } catch {
        continue; // A half-written object of a crash: the writer never got its answer.
      }
      if (!existsSync(`${base}.body`)) continue;
      if (dropOnLoad(meta.key)) {
        rmSync(`${base}.json`, { force: true });
        rmSync(`${base}.body`, { force: true });
        continue;
      }
      s3Store.putObject(
        name,
        meta.key,
        readFileSync(`${base}.body`),
        meta.contentType,
        meta.metadata
      );
    }
  }
  if (existsSync(queuesFile)) {
    try {
      for (const [name, messages] of Object.entries(JSON.parse(readFileSync(queuesFile, 'utf8'))))
        pending.set(name, messages);
    } catch {
      // A snapshot is written whole (rename) or not at all; an unreadable one is not ours.
    }
  }
  loading = false;

  let last = '';
  /** Writes the queues' messages, if they changed since the last snapshot. */
  function snapshotQueues() {
    const queues = {};
    for (const [name, messages] of pending) queues[name] = messages;
    for (const queue of sqsStore.queuesByName.values()) {
      const { ready, delayed, inflight } = queue.inspectMessages();
      queues[queue.name] = [...inflight.map((entry) => entry.message), ...ready, ...delayed];
    }
    const text = JSON.stringify(queues);
    if (text === last) return;
    last = text;
    atomicWrite(queuesFile, text);
  }
  return { s3Store, sqsStore, snapshotQueues };
}
