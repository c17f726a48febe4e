import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { StepStatus } from '../step/result';
import { backoffSeconds, receiveCountOf } from './backoff';
import type { CountMetric, Log, Metrics } from './observe';
import type { Deadline, WorkerDeps } from './deps';
import type { RecordOutcome } from './outcome';
import { processRecord } from './process-record';

/**
 * An SQS batch with partial failures: records whose step finished (or was rejected, or had
 * already finished, or re-used an id) are done; the rest are handed back with a visibility
 * that says when to come back, and reported so SQS delivers them again. Its redrive policy
 * moves a record that keeps failing to the dead-letter queue.
 */
export async function handleBatch(
  event: SQSEvent,
  deps: WorkerDeps,
  deadline: Deadline
): Promise<SQSBatchResponse & { outcomes: RecordOutcome[] }> {
  const log: Log = deps.log ?? (() => undefined);
  const outcomes: RecordOutcome[] = [];
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const outcome = await processRecord(record, deps, deadline);
    outcomes.push(outcome);
    if (deps.metrics) measure(outcome, record, deps.metrics);
    if (outcome.kind === 'retry') {
      await handBack(record, outcome, deps, log);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures, outcomes };
}

/**
 * Sets when the delivery comes back, before it is reported as failed: without this it would
 * wait out the queue's whole visibility timeout (long enough for a step, 90 minutes on AWS).
 */
async function handBack(
  record: SQSRecord,
  outcome: Extract<RecordOutcome, { kind: 'retry' }>,
  deps: WorkerDeps,
  log: Log
): Promise<void> {
  const receiveCount = receiveCountOf(record.attributes);
  const seconds =
    outcome.visibilitySeconds ??
    backoffSeconds(receiveCount, {
      baseSeconds: deps.config.retryBaseSeconds,
      maxSeconds: deps.config.retryMaxSeconds,
    });
  const fields = {
    ...outcome.address,
    messageId: record.messageId,
    reason: outcome.reason,
    category: outcome.category,
    receiveCount,
  };
  if (!deps.setVisibility) {
    log('warn', "record will be retried after the queue's visibility timeout (no queue URL)", {
      ...fields,
    });
    return;
  }
  try {
    await deps.setVisibility(record.receiptHandle, seconds);
    log('warn', `record will be retried in ${seconds} s`, { ...fields, retryInSeconds: seconds });
  } catch (error) {
    log('error', "could not set the record's visibility; it comes back after the queue's", {
      ...fields,
      error: (error as Error).message,
    });
  }
}

const STATUS_METRIC: Record<StepStatus, CountMetric> = {
  succeeded: 'StepsSucceeded',
  failed: 'StepsFailed',
  'timed-out': 'StepsTimedOut',
  cancelled: 'StepsCancelled',
  rejected: 'StepsRejected',
};

function measure(outcome: RecordOutcome, record: SQSRecord, metrics: Metrics): void {
  switch (outcome.kind) {
    case 'done': {
      // A duplicate delivery answered by a stored result is not another step.
      if (!outcome.storedNow) return;
      const Syntax = outcome.syntax;
      metrics.count(STATUS_METRIC[outcome.result.status], { Syntax });
      if (!outcome.ranNow) return;
      metrics.value('DurationMs', outcome.result.timings.durationMs, { Syntax });
      const sent = Number(record.attributes?.SentTimestamp);
      const started = Date.parse(outcome.result.timings.startedAt ?? '');
      if (Number.isFinite(sent) && sent > 0 && Number.isFinite(started)) {
        metrics.value('QueueWaitMs', Math.max(0, started - sent), { Syntax });
      }
      return;
    }
    case 'retry':
      metrics.count('Retries', { Reason: outcome.category });
      if (outcome.category === 'unaddressable') metrics.count('UnaddressableMessages');
      return;
    case 'digest-mismatch':
      metrics.count('DigestMismatches');
      return;
  }
}
