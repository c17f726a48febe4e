import { MASK } from '../collect/masker';
import type { LogEntry, ProgressUpdate, StepResult } from '../step/result';
import type { CliIo } from './io';
import { neutralise } from './terminal';

const COLOUR: Record<LogEntry['level'], [string, string]> = {
  verbose: ['\x1b[2m', '\x1b[22m'],
  info: ['', ''],
  highlight: ['\x1b[1;36m', '\x1b[0m'],
  wait: ['\x1b[35m', '\x1b[0m'],
  warning: ['\x1b[33m', '\x1b[0m'],
  error: ['\x1b[31m', '\x1b[0m'],
};

const TAG: Record<LogEntry['level'], string> = {
  verbose: 'verbose',
  info: '',
  highlight: 'HIGHLIGHT',
  wait: 'wait',
  warning: 'WARNING',
  error: 'ERROR',
};

/**
 * The result as the CLI prints it: sensitive output variables' values masked unless
 * `showSensitive`. The stored result keeps them; a terminal, a CI log or a pasted
 * `--json` document should not.
 */
export function printedResult(result: StepResult, showSensitive: boolean): StepResult {
  if (showSensitive) return result;
  const outputVariables = Object.fromEntries(
    Object.entries(result.outputVariables).map(([name, v]) => [
      name,
      v.sensitive ? { ...v, value: MASK } : v,
    ])
  );
  return { ...result, outputVariables };
}

/**
 * Prints the live log for people: colour by level when colour is on, a tag per level
 * otherwise. Text from the script reaches a terminal (or a forced-colour pipe) with its
 * control sequences made visible and harmless; only Tidepool's own colours are escapes.
 */
export class LogPrinter {
  private readonly colour: boolean;
  private readonly safe: (text: string) => string;

  constructor(private readonly io: CliIo) {
    this.colour = io.colour ?? io.isTty;
    this.safe = io.isTty || this.colour ? neutralise : (text) => text;
  }

  entry(entry: LogEntry): void {
    const text = this.safe(entry.text);
    if (this.colour) {
      const [on, off] = COLOUR[entry.level];
      this.io.out(`${on}${text}${off}\n`);
    } else {
      const tag = TAG[entry.level];
      this.io.out(tag ? `[${tag}] ${text}\n` : `${text}\n`);
    }
  }

  /** A line of a live log: a log entry or a progress update. */
  live(record: LogEntry | { progress: ProgressUpdate }): void {
    if ('progress' in record) this.progress(record.progress);
    else this.entry(record);
  }

  progress(update: ProgressUpdate): void {
    const pct = Math.max(0, Math.min(100, update.percentage));
    const filled = Math.round(pct / 5);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${String(pct).padStart(3)}%`;
    const text = `${bar} ${this.safe(update.message)}`;
    this.io.out(this.colour ? `\x1b[36m${text}\x1b[0m\n` : `${text}\n`);
  }

  /** The result in a few lines; sensitive output variables masked unless `showSensitive`. */
  summary(stored: StepResult, showSensitive = false): void {
    const result = printedResult(stored, showSensitive);
    const lines: string[] = [
      '',
      `Step ${result.stepId}: ${result.status}` +
        (result.exitCode !== null ? ` (exit code ${result.exitCode})` : ''),
    ];
    if (result.failureMessage) lines.push(`  Failure: ${result.failureMessage}`);
    if (result.error) lines.push(`  Error [${result.error.code}]: ${result.error.message}`);
    const outputs = Object.entries(result.outputVariables);
    if (outputs.length > 0) {
      lines.push('  Output variables:');
      for (const [name, v] of outputs)
        lines.push(`    ${name} = ${v.value}${v.sensitive && showSensitive ? ' (sensitive)' : ''}`);
    }
    if (result.artifacts.length > 0) {
      lines.push('  Artifacts:');
      for (const a of result.artifacts) {
        if ('path' in a) lines.push(`    ${a.name} (${a.size} bytes) → ${a.path}`);
        else if ('missing' in a) lines.push(`    ${a.name}: missing (${a.sourcePath})`);
        else lines.push(`    ${a.name}: refused, ${a.refused}`);
      }
    }
    if (result.logTruncated)
      lines.push(`  Log truncated in result.json; full log: ${result.logPath ?? 'log.txt'}`);
    if (result.timings.startedAt) lines.push(`  Duration: ${result.timings.durationMs} ms`);
    // Names, values and messages come from the script; the summary adds no escapes of its own.
    this.io.out(lines.map(this.safe).join('\n') + '\n');
  }
}
