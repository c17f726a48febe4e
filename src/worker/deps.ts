import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { s3Client, sqsClient } from '../aws/clients';
import { S3ObjectStore } from '../aws/s3-store';
import type { WorkerConfig } from './config';
import type { WorkerDeps } from './process-record';

/**
 * The parts of a worker that follow from its configuration alone: S3 stores for inputs and
 * results and, when the queue is known, message visibility (extended while a step runs,
 * shortened for a retry). The Lambda handler and the local stack add their own host, identity
 * and extras.
 */
export function workerDepsFrom(
  config: WorkerConfig,
  rest: Omit<WorkerDeps, 'config' | 'inputs' | 'results' | 'setVisibility'>
): WorkerDeps {
  const options = {
    region: config.region,
    endpoint: config.endpoint,
    requestTimeoutMs: config.requestTimeoutMs,
    identity: 'worker' as const,
  };
  const bucket = new S3ObjectStore(s3Client(options), config.bucket);
  const queueUrl = config.queueUrl;
  const sqs = queueUrl ? sqsClient(options) : undefined;
  return {
    ...rest,
    config,
    inputs: bucket.child(config.inputsPrefix),
    results: bucket.child(config.resultsPrefix),
    ...(sqs && queueUrl
      ? {
          setVisibility: async (receiptHandle: string, seconds: number) => {
            await sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: queueUrl,
                ReceiptHandle: receiptHandle,
                VisibilityTimeout: seconds,
              })
            );
          },
        }
      : {}),
  };
}
