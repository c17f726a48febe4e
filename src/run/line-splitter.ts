import { StringDecoder } from 'node:string_decoder';

/**
 * Turns a byte stream into lines as .NET's reader does: a line ends at `\n`, `\r\n` or a
 * lone `\r`. Multi-byte characters and `\r\n` pairs split across chunks are reassembled.
 * Very long lines are cut at `maxLineChars` so one runaway line cannot exhaust memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private lastWasCr = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 1 << 20
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */) {
        if (this.lastWasCr && i === start && this.pending === '') {
          this.lastWasCr = false;
          start = i + 1;
          continue;
        }
        this.emit(this.pending + text.slice(start, i));
        start = i + 1;
        this.lastWasCr = false;
      } else if (c === 13 /* \r */) {
        this.emit(this.pending + text.slice(start, i));
        start = i + 1;
        this.lastWasCr = true;
      } else if (this.lastWasCr) {
        this.lastWasCr = false;
      }
    }
    this.pending += text.slice(start);
    if (this.pending.length > this.maxLineChars) {
      const whole = this.pending.length - (this.pending.length % this.maxLineChars);
      const rest = this.pending.slice(whole);
      this.emit(this.pending.slice(0, whole));
      this.pending = rest;
    }
  }

  /** Emits what is left once the stream has ended. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest.length > 0) this.emit(rest);
  }

  private emit(line: string): void {
    this.pending = '';
    for (let at = 0; at < line.length; at += this.maxLineChars) {
      this.onLine(line.slice(at, at + this.maxLineChars));
    }
    if (line.length === 0) this.onLine(line);
  }
}
