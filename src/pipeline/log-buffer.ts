import type { LogEntry } from '../step/result';

/** The part of the log kept in result.json: entries up to a count and a byte budget. */
export class LogBuffer {
  readonly entries: LogEntry[] = [];
  private bytes = 0;
  entriesOmitted = 0;
  bytesOmitted = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number
  ) {}

  add(entry: LogEntry): void {
    const size = Buffer.byteLength(entry.text, 'utf8');
    if (
      this.entriesOmitted === 0 &&
      this.entries.length < this.maxEntries &&
      this.bytes + size <= this.maxBytes
    ) {
      this.entries.push(entry);
      this.bytes += size;
      return;
    }
    this.entriesOmitted++;
    this.bytesOmitted += size;
  }

  /** The kept entries, with a closing marker when anything was cut. */
  finish(logName: string): LogEntry[] {
    if (this.entriesOmitted === 0) return this.entries;
    return [
      ...this.entries,
      {
        stream: 'system',
        level: 'warning',
        text: `[log truncated: ${this.entriesOmitted} more lines (${this.bytesOmitted} bytes) are in ${logName}]`,
      },
    ];
  }
}

export function formatLogLine(at: Date, entry: LogEntry): string {
  return `${at.toISOString()} ${entry.stream.padEnd(6)} ${entry.level.padEnd(9)} ${entry.text}`;
}
