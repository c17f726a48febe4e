// Run: hand the bootstrap to an interpreter and follow its output, line by line, through the
// collector (service messages, levels, masking) into the log, until it ends or is stopped.

import type { BootstrapPlan, StepDirs } from '../../bootstrap/plan';
import { OutputCollector } from '../../collect/collector';
import type { Masker } from '../../collect/masker';
import type { StepMessage } from '../../step/types';
import { clockOf, configOf, type PipelineDeps, type RunOptions } from '../deps';
import { formatLogLine, LogBuffer } from '../log-buffer';
import { boundedLog } from '../log-file';
import type { ExecutionOutcome, LogSink } from '../ports';
import { stepTimeout, type StepTimeout } from '../timeout';

export interface ScriptRun {
  collector: OutputCollector;
  /** The part of the log result.json carries. */
  buffer: LogBuffer;
  /** All of the log, for log.txt. */
  logFile: LogSink;
  outcome: ExecutionOutcome;
  timeout: StepTimeout['recorded'];
  /** When the interpreter got the step; undefined when it never did. */
  startedAt: Date | undefined;
}

export interface RunInput {
  step: StepMessage;
  plan: BootstrapPlan;
  masker: Masker;
  dirs: StepDirs;
  /** Said in the step's own log before it starts (what an Audit policy would have refused). */
  notes: string[];
  /** When the pipeline took the step (epoch ms): its set-up counts against its timeout. */
  acceptedAt?: number;
}

export async function runScript(
  input: RunInput,
  deps: PipelineDeps,
  options: RunOptions
): Promise<ScriptRun> {
  const now = clockOf(deps);
  const config = configOf(deps);
  const { collector, buffer, logFile } = openLog(input, deps, options);
  for (const note of input.notes) collector.system('warning', note);
  // Said first, before anything the script prints could show such a value.
  const short = [...input.masker.tooShort];
  if (short.length > 0) {
    collector.system(
      'warning',
      `Sensitive variables too short to mask (under 4 characters), shown as they are: ${short.join(', ')}`
    );
  }
  const secretFiles = input.plan.secretFiles ?? [];
  if (secretFiles.length > 0) collector.onLoaded = () => deps.host.discard(secretFiles);

  const timeout = stepTimeout({
    askedSeconds: input.step.timeoutSeconds,
    defaultSeconds: config.defaultTimeoutSeconds,
    deadlineAt: options.deadlineAt,
    graceMs: config.graceMs,
    now: Date.now(),
    ...(input.acceptedAt !== undefined ? { acceptedAt: input.acceptedAt } : {}),
  });
  // Said before the script's first line, so that a step stopped at the cap is not a surprise.
  if (timeout.notice) collector.system(timeout.notice.level, timeout.notice.text);

  let reported = 0;
  const started: { at?: Date } = {};
  const outcome = await deps.host.execute({
    syntax: input.plan.interpreter,
    entry: input.plan.entry,
    timeoutMs: timeout.ms,
    graceMs: config.graceMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onStart: () => {
      started.at = now();
      options.mark?.('spawned');
    },
    onLine: (stream, line) => {
      collector.line(stream, line);
      while (reported < collector.progress.length) {
        const update = collector.progress[reported++];
        if (update) options.onProgress?.(update);
      }
    },
  });
  options.mark?.('exited');
  collector.end();
  if (collector.progressOmitted > 0) {
    collector.system(
      'warning',
      `${collector.progressOmitted} progress updates past the first 1000 were not kept`
    );
  }
  return {
    collector,
    buffer,
    logFile,
    outcome,
    timeout: timeout.recorded,
    startedAt: started.at,
  };
}

/** The step's log: every entry to log.txt and the listener, the first ones to result.json. */
function openLog(
  input: RunInput,
  deps: PipelineDeps,
  options: RunOptions
): Pick<ScriptRun, 'collector' | 'buffer' | 'logFile'> {
  const now = clockOf(deps);
  const { limits } = configOf(deps);
  const logFile = boundedLog(deps.host.openLog(input.dirs), limits.logFileBytes, now);
  const buffer = new LogBuffer(limits.logEntries, limits.logBytes);
  const collector = new OutputCollector(input.masker, (entry) => {
    buffer.add(entry);
    logFile.append(formatLogLine(now(), entry));
    options.onLog?.(entry);
  });
  return { collector, buffer, logFile };
}
