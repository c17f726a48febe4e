// log.txt has a bound of its own: a script that prints without end must not fill the worker's
// disk or the bucket. Past it the lines are counted, not kept, and one marker says where the
// log stops and how much was left out.

import type { LogEntry } from '../step/result';
import { formatLogLine } from './log-buffer';
import type { LogSink } from './ports';

export function boundedLog(sink: LogSink, maxBytes: number, now: () => Date): LogSink {
  let bytes = 0;
  let omittedLines = 0;
  let omittedBytes = 0;
  return {
    append(line) {
      const size = Buffer.byteLength(line, 'utf8') + 1;
      if (omittedLines === 0 && bytes + size <= maxBytes) {
        bytes += size;
        sink.append(line);
        return;
      }
      omittedLines++;
      omittedBytes += size;
    },
    close() {
      if (omittedLines > 0) {
        const marker: LogEntry = {
          stream: 'system',
          level: 'warning',
          text: `[log.txt stops here: it reached its limit of ${maxBytes} bytes; ${omittedLines} more lines (${omittedBytes} bytes) were not kept]`,
        };
        sink.append(formatLogLine(now(), marker));
      }
      return sink.close();
    },
  };
}
