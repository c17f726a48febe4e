import { liveChunkKey } from '../bucket/layout';
import type { LogEntry, ProgressUpdate } from '../step/result';
import type { ObjectStore } from '../store/object-store';

/** One line of a live chunk: a log entry, or a progress update. */
export type LiveRecord = LogEntry | { progress: ProgressUpdate };

/**
 * Writes the (masked) log to the store in numbered chunks while the script runs, so a user
 * can follow it live: `<folder>live/000001.jsonl`, ... Each chunk holds the lines since the
 * previous one, one JSON log entry per line.
 */
export class LiveLog {
  private pending: LiveRecord[] = [];
  private pendingBytes = 0;
  private chunk = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    private readonly folder: string,
    private readonly maxChunkBytes = 256 * 1024
  ) {}

  add(entry: LiveRecord): void {
    this.pending.push(entry);
    this.pendingBytes += 'text' in entry ? entry.text.length : 64;
    if (this.pendingBytes >= this.maxChunkBytes) void this.flush();
  }

  /** Writes what has accumulated as the next chunk; chunks are written in order. */
  flush(): Promise<void> {
    if (this.pending.length === 0) return this.writing;
    const lines = this.pending.map((e) => JSON.stringify(e)).join('\n') + '\n';
    this.pending = [];
    this.pendingBytes = 0;
    const key = liveChunkKey(this.folder, ++this.chunk);
    this.writing = this.writing
      .then(() => this.store.put(key, lines, 'application/x-ndjson'))
      .catch(() => {
        // A lost live chunk is not a lost log: log.txt is written in full at the end.
      });
    return this.writing;
  }
}

/**
 * Reads the live chunks that exist from chunk `from` on, in order, handing each record to
 * `onRecord`; returns the number of the first chunk not there (yet), to go on from later.
 */
export async function readLiveChunks(
  store: ObjectStore,
  folder: string,
  from: number,
  onRecord: (record: LiveRecord) => void
): Promise<number> {
  let chunk = from;
  for (;;) {
    const body = await store.get(liveChunkKey(folder, chunk), 16 << 20);
    if (!body) return chunk;
    for (const line of body.toString('utf8').split('\n'))
      if (line) onRecord(JSON.parse(line) as LiveRecord);
    chunk++;
  }
}
