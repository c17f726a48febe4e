import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { s3Client, sqsClient } from '../aws/clients';
import { claimKey, INPUTS_PREFIX, RESULTS_PREFIX } from '../bucket/layout';
import { composeWorker, workerFromEnv, type ComposedWorker } from '../compose/worker';
import type { Log, Metrics } from '../worker/observe';
import { startServerProcess, type ServerProcess } from './server-process';
import { QueueWorker } from './queue-worker';

export interface StackAddress {
  endpoint: string;
  region: string;
  bucket: string;
  queueUrl: string;
  dlqUrl: string;
}

export interface LocalStack extends StackAddress {
  server: ServerProcess;
  workers: QueueWorker[];
  stop(): Promise<void>;
}

export const LOCAL_BUCKET = 'tidepool-local';
export const LOCAL_QUEUE = 'tidepool-steps';
export const LOCAL_REGION = 'us-east-1';

/** Creates the bucket, the step queue and its dead-letter queue (redrive after maxReceiveCount). */
export async function provision(
  sqs: SQSClient,
  endpoint: string,
  options: { visibilityTimeoutSeconds: number; maxReceiveCount: number }
): Promise<{ bucket: string; queueUrl: string; dlqUrl: string }> {
  const s3 = s3Client({ region: LOCAL_REGION, endpoint });
  await s3
    .send(new CreateBucketCommand({ Bucket: LOCAL_BUCKET }))
    .catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists')
        throw error;
    });
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${LOCAL_QUEUE}-dlq` }));
  const dlqAttrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] })
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: LOCAL_QUEUE,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      },
    })
  );
  return { bucket: LOCAL_BUCKET, queueUrl: queue.QueueUrl ?? '', dlqUrl: dlq.QueueUrl ?? '' };
}

/**
 * The local stack's timings, as defaults the user's environment may override: shorter than on
 * AWS, so that a retry or a crashed worker's takeover shows within seconds.
 */
export const LOCAL_WORKER_DEFAULTS: Readonly<Record<string, string>> = {
  TIDEPOOL_VISIBILITY_TIMEOUT_SECONDS: '30',
  TIDEPOOL_CLAIM_TTL_SECONDS: '60',
  TIDEPOOL_DEADLINE_MARGIN_MS: '2000',
  TIDEPOOL_POLL_MS: '250',
  TIDEPOOL_WORK_DIR: path.join(os.tmpdir(), 'tidepool-local'),
};

/**
 * The worker's environment on the local stack: the function's variables from `env` (the
 * user's), over the local timings, under the stack's own address and bucket layout. Those are
 * not the user's to change: the CLI finds the stack and its results by them, and a
 * TIDEPOOL_BUCKET exported for AWS must not point the local worker elsewhere.
 */
export function localWorkerEnv(
  address: StackAddress,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, string> = {}
): NodeJS.ProcessEnv {
  return {
    ...LOCAL_WORKER_DEFAULTS,
    ...env,
    ...overrides,
    TIDEPOOL_BUCKET: address.bucket,
    TIDEPOOL_QUEUE_URL: address.queueUrl,
    TIDEPOOL_AWS_ENDPOINT: address.endpoint,
    AWS_REGION: address.region,
    TIDEPOOL_INPUTS_PREFIX: INPUTS_PREFIX,
    TIDEPOOL_RESULTS_PREFIX: RESULTS_PREFIX,
  };
}

/**
 * A local worker without its integrity check (which composeWorker adds): for tests that drive
 * the handler themselves. `workerEnv` wins over the process's environment.
 */
export function localWorkerDeps(
  address: StackAddress,
  workerEnv: Record<string, string> = {},
  log?: Log
): ComposedWorker {
  return workerFromEnv(localWorkerEnv(address, process.env, workerEnv), log ? { log } : {});
}

export interface StackOptions {
  port?: number;
  /**
   * Keep the bucket's objects and the queues' messages here, so that a restart finds the
   * inputs, the queued steps and the results again (in memory only without).
   */
  dataDir?: string;
  concurrency?: number;
  /** The function timeout the worker loop plays: each step's deadline. */
  functionTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** Start a pwsh ahead of the first PowerShell step (default true). */
  prewarmPowerShell?: boolean;
  /** How long a failed delivery stays invisible before it is retried (default 30 s). */
  visibilityTimeoutSeconds?: number;
  /** The environment the worker is configured from, as the function is (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Variables that win over `env` (tests). */
  workerEnv?: Record<string, string>;
  /** Where the worker's own log lines go (none by default). */
  log?: Log;
  metrics?: Metrics;
  /**
   * Something to put in front of the embedded server, which everyone then talks to (the
   * tests' IAM gate): given the server's endpoint, it gives its own.
   */
  front?: (endpoint: string) => Promise<{ endpoint: string; close(): Promise<void> }>;
}

/** Server + queues + a worker loop playing Lambda's part: the whole pool on one machine. */
export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const server = await startServerProcess({
    port: options.port ?? 0,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    // A claim names a worker of the run before the restart, all gone: not brought back, so
    // that its step starts at once rather than after the claim's expiry.
    dropSuffix: `/${claimKey('')}`,
  });
  let front: { endpoint: string; close(): Promise<void> } | undefined;
  try {
    front = options.front ? await options.front(server.endpoint) : undefined;
    const endpoint = front?.endpoint ?? server.endpoint;
    const operator = sqsClient({ region: LOCAL_REGION, endpoint });
    const names = await provision(operator, endpoint, {
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      maxReceiveCount: options.maxReceiveCount ?? 3,
    });
    const address: StackAddress = { endpoint, region: LOCAL_REGION, ...names };
    const deps = await composeWorker(
      localWorkerEnv(address, options.env ?? process.env, options.workerEnv),
      {
        ...(options.log ? { log: options.log } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
      }
    );
    // A pool expects PowerShell steps too: have one pwsh waiting as well (bash already is).
    if (options.prewarmPowerShell ?? true) {
      try {
        deps.host.prewarm('powershell');
      } catch {
        // No pwsh on this machine: PowerShell steps will say so in their results.
      }
    }
    // Lambda's event source mapping receives and deletes with the function's own role.
    const sqs = sqsClient({ region: LOCAL_REGION, endpoint, identity: 'worker' });
    const worker = new QueueWorker(sqs, address.queueUrl, deps, {
      concurrency: options.concurrency ?? 2,
      functionTimeoutMs: (options.functionTimeoutSeconds ?? 900) * 1000,
    });
    worker.start();
    return {
      ...address,
      server,
      workers: [worker],
      stop: async () => {
        await worker.stop();
        deps.host.close();
        await front?.close();
        await server.stop();
      },
    };
  } catch (error) {
    await front?.close();
    await server.stop();
    throw error;
  }
}
