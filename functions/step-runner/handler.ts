import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleBatch } from '../../src/worker/batch';
import type { WorkerDeps } from '../../src/worker/process-record';
import { compose } from './compose';

let deps: Promise<WorkerDeps> | undefined;

/** SQS → steps. Configuration and clients are made once per container. */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  deps ??= compose();
  const { batchItemFailures } = await handleBatch(event, await deps, context);
  return { batchItemFailures };
}
