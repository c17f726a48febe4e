import { Masker } from './masker';
import { parseLine, PREFIX, type ServiceMessage } from './service-message';
import type { Level, LogEntry, OutputVariable, ProgressUpdate } from '../step/result';
import type { AnnouncedArtifact } from './types';

type StdoutState = Level | 'ignore';
type StderrState = 'error' | 'verbose' | 'ignore';

const STDOUT_SWITCHES: Record<string, StdoutState> = {
  'stdout-default': 'info',
  'stdout-verbose': 'verbose',
  'stdout-highlight': 'highlight',
  'stdout-wait': 'wait',
  'stdout-warning': 'warning',
  'stdout-error': 'error',
  'stdout-ignore': 'ignore',
};
const STDERR_SWITCHES: Record<string, StderrState> = {
  'stderr-default': 'error',
  'stderr-error': 'error',
  'stderr-progress': 'verbose',
  'stderr-ignore': 'ignore',
};

/** How long a message may go on across lines before it is taken as plain text. */
const MAX_PENDING_MESSAGE_CHARS = 64 * 1024;
const MAX_PENDING_MESSAGE_LINES = 200;
/** Bounds on what a script can make the worker hold: a script controls all of it. */
const MAX_OUTPUT_VARIABLES = 10_000;
const MAX_OUTPUT_BYTES = 32 << 20;
const MAX_PROGRESS_UPDATES = 1_000;
const MAX_ARTIFACT_ANNOUNCEMENTS = 10_000;
/** The length at which the run's line splitter (src/run/line-splitter.ts) cuts a long line. */
export const SPLIT_LINE_CHARS = 1 << 20;
/** How much of a message a warning quotes, and how much progress text is kept. */
const QUOTED_CHARS = 200;
const PROGRESS_CHARS = 4096;
const RESULT_MESSAGE_CHARS = 64 * 1024;

/**
 * Reads the script's output as the Octopus server does: service messages from both streams,
 * the two log-level states, output variables, artifacts, progress and masking. Pure: lines
 * in, masked log entries out through `emit`.
 */
export class OutputCollector {
  readonly outputVariables = new Map<string, OutputVariable>();
  readonly artifacts: AnnouncedArtifact[] = [];
  readonly progress: ProgressUpdate[] = [];
  resultMessage: string | undefined;
  /** A non-blank stderr line that is not a service message (FailScriptOnErrorOutput). */
  sawErrorOutput = false;

  private stdoutLevel: StdoutState = 'info';
  private stderrLevel: StderrState = 'error';
  /** Lines of a message whose closing `]` has not arrived yet, per stream. */
  private readonly pending: Record<
    'stdout' | 'stderr',
    { lines: string[]; chars: number } | undefined
  > = {
    stdout: undefined,
    stderr: undefined,
  };
  private outputBytes = 0;
  private warnedOutputs = false;
  /** Progress updates beyond the bound, counted but not kept. */
  progressOmitted = 0;
  /** Called when the bootstrap says it has read its variables (`tidepool-loaded`). */
  onLoaded: (() => void) | undefined;

  constructor(
    readonly masker: Masker,
    private readonly emit: (entry: LogEntry) => void
  ) {}

  /** A line the worker itself adds to the log (not parsed for service messages). */
  system(level: Level, text: string): void {
    this.emit({ stream: 'system', level, text: this.masker.apply(text) });
  }

  line(stream: 'stdout' | 'stderr', raw: string): void {
    let line = raw;
    const pending = this.pending[stream];
    if (pending !== undefined) {
      // Only the new line can close the message: no rescanning of what is held.
      if (!raw.includes(']')) {
        pending.lines.push(raw);
        pending.chars += raw.length;
        if (
          pending.chars > MAX_PENDING_MESSAGE_CHARS ||
          pending.lines.length > MAX_PENDING_MESSAGE_LINES
        ) {
          this.pending[stream] = undefined;
          for (const held of pending.lines) this.text(stream, held);
        }
        return;
      }
      line = pending.lines.join('') + raw;
      this.pending[stream] = undefined;
    }
    if (stream === 'stderr' && !line.startsWith('##octopus') && line.trim() !== '') {
      this.sawErrorOutput = true;
    }
    this.parse(stream, line);
  }

  /** Call when both streams have ended: a message left open is shown as text. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const pending = this.pending[stream];
      this.pending[stream] = undefined;
      for (const held of pending?.lines ?? []) this.text(stream, held);
    }
  }

  private parse(stream: 'stdout' | 'stderr', line: string): void {
    let rest = line;
    // Several messages may follow each other on one line; text after the last one is logged.
    for (;;) {
      const parsed = parseLine(rest);
      switch (parsed.kind) {
        case 'text':
          this.text(stream, parsed.text);
          return;
        case 'incomplete':
          if (rest.length > MAX_PENDING_MESSAGE_CHARS) {
            this.text(stream, rest);
          } else {
            this.pending[stream] = { lines: [rest], chars: rest.length };
          }
          return;
        case 'malformed':
          this.system('warning', `Could not parse '${this.maskThenCut(parsed.raw, QUOTED_CHARS)}'`);
          this.stdoutLevel = 'info';
          rest = parsed.rest;
          break;
        case 'message':
          this.handle(parsed.message);
          rest = parsed.rest;
          break;
      }
      if (rest === '') return;
      if (!rest.startsWith(PREFIX)) {
        this.text(stream, rest);
        return;
      }
    }
  }

  private text(stream: 'stdout' | 'stderr', text: string): void {
    const level = stream === 'stdout' ? this.stdoutLevel : this.stderrLevel;
    if (level === 'ignore') return;
    // A line of the splitter's bound was cut there: its end may be the start of a secret.
    const cut = text.length >= SPLIT_LINE_CHARS;
    this.emit({ stream, level, text: this.masker.apply(text, stream, cut) });
  }

  /** Masks before cutting: a secret across the cut is masked, not half shown. */
  private maskThenCut(text: string, chars: number, ellipsis = '...'): string {
    const masked = this.masker.apply(text);
    return masked.length > chars ? `${masked.slice(0, chars)}${ellipsis}` : masked;
  }

  private handle(message: ServiceMessage): void {
    const { name, attributes } = message;
    const stdoutSwitch = STDOUT_SWITCHES[name];
    if (stdoutSwitch !== undefined) {
      this.stdoutLevel = stdoutSwitch;
      return;
    }
    const stderrSwitch = STDERR_SWITCHES[name];
    if (stderrSwitch !== undefined) {
      this.stderrLevel = stderrSwitch;
      return;
    }
    switch (name) {
      case 'setVariable': {
        const varName = attributes.get('name');
        const value = attributes.get('value');
        if (varName === undefined || value === undefined) return;
        const sensitive = /^true$/i.test(attributes.get('sensitive')?.trim() ?? '');
        if (sensitive) this.masker.add(value);
        const size = varName.length + value.length;
        const known = this.outputVariables.has(varName);
        if (
          (!known && this.outputVariables.size >= MAX_OUTPUT_VARIABLES) ||
          this.outputBytes + size > MAX_OUTPUT_BYTES
        ) {
          if (!this.warnedOutputs) {
            this.warnedOutputs = true;
            this.system(
              'warning',
              `Output variable ${varName} and any later ones were dropped: more than ${MAX_OUTPUT_VARIABLES} variables or ${MAX_OUTPUT_BYTES} bytes`
            );
          }
          return;
        }
        this.outputBytes += size;
        this.outputVariables.set(varName, { value, sensitive });
        return;
      }
      case 'createArtifact': {
        const artifactName = attributes.get('name');
        const path = attributes.get('path');
        if (artifactName === undefined || path === undefined) return;
        if (this.artifacts.length >= MAX_ARTIFACT_ANNOUNCEMENTS) return;
        const length = Number.parseInt(attributes.get('length') ?? '', 10);
        this.artifacts.push({
          name: artifactName,
          path,
          length: Number.isFinite(length) ? length : 0,
        });
        return;
      }
      case 'progress': {
        const text = attributes.get('percentage') ?? '';
        const message = attributes.get('message');
        if (!/^\s*-?\d+\s*$/.test(text) || message === undefined) return;
        if (this.progress.length >= MAX_PROGRESS_UPDATES) {
          this.progressOmitted++;
          return;
        }
        this.progress.push({
          percentage: Number.parseInt(text, 10),
          message: this.maskThenCut(message, PROGRESS_CHARS, ''),
        });
        return;
      }
      case 'resultMessage': {
        const message = attributes.get('message');
        if (message !== undefined)
          this.resultMessage = this.maskThenCut(message, RESULT_MESSAGE_CHARS, '');
        return;
      }
      case 'mask':
        this.masker.add(attributes.get('value'));
        return;
      case 'tidepool-loaded': {
        const loaded = this.onLoaded;
        this.onLoaded = undefined;
        loaded?.();
        return;
      }
      default:
        // Environment state, targets, Kubernetes reports: server features with no effect here.
        return;
    }
  }
}
