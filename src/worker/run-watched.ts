import type { SQSRecord } from 'aws-lambda';
import { cancelKey, claimKey } from '../bucket/layout';
import type { LogEntry, StepResult } from '../step/result';
import type { PipelineDeps } from '../pipeline/deps';
import { runStep } from '../pipeline/run-step';
import type { Claims } from './claims';
import type { Deadline, WorkerDeps } from './deps';
import { LiveLog } from './live-log';
import type { Log } from './observe';

export interface WatchOptions {
  receivedAt: Date;
  extraEnv?: Record<string, string>;
  value: unknown;
  claimEtag: string;
  messageSha256: string;
  /** The record's own log: its lines carry the step's address. */
  log: Log;
}

/** Runs the step while cancel requests are polled, the live log flushed and the lease kept. */
export async function runWatched(
  folder: string,
  record: SQSRecord,
  deps: WorkerDeps,
  pipelineDeps: PipelineDeps,
  claims: Claims,
  deadline: Deadline,
  options: WatchOptions
): Promise<StepResult> {
  let claimEtag: string | undefined = options.claimEtag;
  const { config } = deps;
  const live = new LiveLog(pipelineDeps.results, folder);
  const cancel = new AbortController();
  const poll = setInterval(() => {
    void live.flush();
    void pipelineDeps.results.get(cancelKey(folder), 64 * 1024).then(
      (found) => found && cancel.abort(),
      () => undefined
    );
  }, config.pollMs);
  const leaseEveryMs = Math.max(1000, (config.visibilityTimeoutSeconds * 1000) / 2);
  const lease = setInterval(
    () => {
      if (claimEtag !== undefined) {
        claims.renew(claimKey(folder), claimEtag).then(
          (next) => {
            claimEtag = next;
            if (next === undefined) {
              options.log(
                'warn',
                'the step was taken over by another worker; no longer renewing its claim'
              );
            }
          },
          () => undefined
        );
      }
      void deps
        .setVisibility?.(record.receiptHandle, config.visibilityTimeoutSeconds)
        .catch(() => undefined);
    },
    Math.min(leaseEveryMs, (config.claimTtlSeconds * 1000) / 2)
  );
  try {
    const deadlineAt = Date.now() + deadline.getRemainingTimeInMillis() - config.deadlineMarginMs;
    return await runStep(options.value, pipelineDeps, {
      receivedAt: options.receivedAt,
      messageSha256: options.messageSha256,
      signal: cancel.signal,
      deadlineAt,
      onLog: (entry: LogEntry) => live.add(entry),
      onProgress: (progress) => live.add({ progress }),
      // Live chunks are a convenience; the result must not wait long for them.
      beforeResult: () =>
        Promise.race([live.flush(), new Promise<void>((r) => setTimeout(r, 2000).unref())]),
      ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    });
  } finally {
    clearInterval(poll);
    clearInterval(lease);
    await live.flush();
  }
}
