import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  processRecord,
  type Deadline,
  type RecordOutcome,
  type WorkerDeps,
} from './process-record';

/**
 * An SQS batch with partial failures: records whose step finished (or was rejected, or had
 * already finished) are done; the rest are reported so SQS delivers them again, and its
 * redrive policy moves a record that keeps failing to the dead-letter queue.
 */
export async function handleBatch(
  event: SQSEvent,
  deps: WorkerDeps,
  deadline: Deadline
): Promise<SQSBatchResponse & { outcomes: RecordOutcome[] }> {
  const outcomes: RecordOutcome[] = [];
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const outcome = await processRecord(record, deps, deadline);
    outcomes.push(outcome);
    if (outcome.kind === 'retry') {
      deps.log?.('warn', 'record will be retried', {
        messageId: record.messageId,
        reason: outcome.reason,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures, outcomes };
}
