import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleBatch } from '../../src/worker/batch';
import type { WorkerDeps } from '../../src/worker/deps';
import { compose, telemetry } from './compose';

let deps: Promise<WorkerDeps> | undefined;

/** SQS → steps. Configuration, clients, logger and metrics are made once per container. */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return telemetry.invocation(context, async () => {
    deps ??= compose();
    const { batchItemFailures } = await handleBatch(event, await deps, context);
    return { batchItemFailures };
  });
}
