import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client, sqsClient } from '../aws/clients';
import { S3ObjectStore } from '../aws/s3-store';
import { INPUTS_PREFIX, RESULTS_PREFIX, resultKey, stepFolder } from '../bucket/layout';
import { LOCAL_BUCKET, LOCAL_QUEUE, LOCAL_REGION, type StackAddress } from '../local/stack';
import { readLiveChunks, type LiveRecord } from '../worker/live-log';
import type { StepResult } from '../step/result';
import { ID_RULE, isId } from '../step/ids';
import type { StepAddress } from '../step/types';
import { UsageError } from './args';

/**
 * Where `tidepool serve` keeps its state (the stack's address, its objects and messages): one
 * directory per user, so that the other commands find the stack from any directory.
 * TIDEPOOL_STATE_DIR names another (the tests', or a second stack's).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TIDEPOOL_STATE_DIR) return path.resolve(env.TIDEPOOL_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'tidepool');
}

/** The running stack's address and pid, written by `tidepool serve`. */
export function stateFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'local-stack.json');
}

/** Where serve recorded its stack before part 9: still read, from the working directory. */
const LEGACY_STATE_FILE = path.join('.tidepool', 'local-stack.json');

/** For the help texts. */
export const STATE_FILE_HELP = '$XDG_STATE_HOME/tidepool/local-stack.json (or TIDEPOOL_STATE_DIR)';

export const STACK_OPTIONS = {
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  'queue-url': { type: 'string' },
  region: { type: 'string' },
} as const;

export const STACK_HELP = `Finding the stack: a running \`tidepool serve\` (from ${STATE_FILE_HELP}) by default;
  --endpoint URL             a local stack's endpoint
  --bucket NAME, --queue-url URL
                             AWS itself; also TIDEPOOL_BUCKET, TIDEPOOL_QUEUE_URL.
                             Region and credentials come from the AWS SDK's default
                             chain: AWS_REGION or the profile's region, AWS_PROFILE
                             (\`aws configure\`, \`aws configure sso\`), AWS_ACCESS_KEY_ID
                             and AWS_SECRET_ACCESS_KEY, or the instance's role;
                             AWS_ENDPOINT_URL is honoured
  --region R                 The region, over the default chain's`;

export interface StackClient {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  /** Undefined for a local stack named by --endpoint alone: looked up when a step is sent. */
  queueUrl: string | undefined;
  /** The local stack's queue URL by its name (needs sqs:GetQueueUrl). */
  findQueue?: () => Promise<string | undefined>;
  inputs: S3ObjectStore;
  results: S3ObjectStore;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type StackState = StackAddress & { pid: number };

/** A state file's stack, if its serve process is alive. */
export function readStateFile(file: string): StackState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as StackState;
    return pidAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** A running local stack's address from the state file, if its process is alive. */
export function readState(): StackState | undefined {
  return readStateFile(stateFile()) ?? readStateFile(LEGACY_STATE_FILE);
}

export async function connect(values: {
  endpoint?: string | undefined;
  bucket?: string | undefined;
  'queue-url'?: string | undefined;
  region?: string | undefined;
}): Promise<StackClient> {
  const env = process.env;
  let endpoint = values.endpoint;
  let bucket = values.bucket ?? env.TIDEPOOL_BUCKET;
  let queueUrl = values['queue-url'] ?? env.TIDEPOOL_QUEUE_URL;
  // Against AWS the SDK's default chain finds the region (AWS_REGION, the profile's), as the
  // AWS CLI does; a local stack answers in any region, so it gets one without asking.
  let region = endpoint ? (values.region ?? env.AWS_REGION ?? LOCAL_REGION) : values.region;
  if (!endpoint && !bucket) {
    const state = readState();
    if (!state) {
      throw new UsageError(
        `No local stack is running (start one with \`tidepool serve\`), and no --endpoint or --bucket was given`
      );
    }
    ({ endpoint, bucket, queueUrl, region } = state);
  }
  bucket ??= LOCAL_BUCKET;
  const s3 = s3Client({ region, endpoint, identity: 'submitter' });
  const sqs = sqsClient({ region, endpoint, identity: 'submitter' });
  const root = new S3ObjectStore(s3, bucket);
  return {
    s3,
    sqs,
    bucket,
    queueUrl,
    // Only `submit` needs the queue: `result`, `logs` and `cancel` make no SQS request at all.
    ...(!queueUrl && endpoint
      ? {
          findQueue: async () =>
            (await sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_QUEUE }))).QueueUrl,
        }
      : {}),
    inputs: root.child(INPUTS_PREFIX),
    results: root.child(RESULTS_PREFIX),
  };
}

/** `deployment/step` or just `step` (deployment `local`). */
export function parseAddress(text: string | undefined): StepAddress {
  if (!text) throw new UsageError('Name the step: <deployment>/<step> or <step>');
  const [first, second, ...rest] = text.split('/');
  const address =
    second === undefined
      ? { deploymentId: 'local', stepId: first ?? '' }
      : { deploymentId: first ?? '', stepId: second };
  if (rest.length > 0 || !isId(address.stepId) || !isId(address.deploymentId)) {
    throw new UsageError(
      `'${text}' is not a step address: <deployment>/<step> or <step>, each ${ID_RULE}`
    );
  }
  return address;
}

export async function readResult(
  client: StackClient,
  address: StepAddress
): Promise<StepResult | undefined> {
  const body = await client.results.get(resultKey(stepFolder(address)), 64 << 20);
  return body ? (JSON.parse(body.toString('utf8')) as StepResult) : undefined;
}

/** The queue steps go to; `submit` asks before it uploads, so a missing queue takes no id. */
export async function queueOf(client: StackClient): Promise<string> {
  client.queueUrl ??= await client.findQueue?.();
  if (!client.queueUrl) throw new UsageError('No queue: give --queue-url (or TIDEPOOL_QUEUE_URL)');
  return client.queueUrl;
}

export async function sendStep(client: StackClient, message: unknown): Promise<void> {
  await client.sqs.send(
    new SendMessageCommand({
      QueueUrl: await queueOf(client),
      MessageBody: JSON.stringify(message),
    })
  );
}

/**
 * Follows a step's live log chunks until its result is stored, calling `onEntry` for each
 * log line as it appears; returns the result.
 */
export async function follow(
  client: StackClient,
  address: StepAddress,
  onEntry: (entry: LiveRecord) => void,
  options: { pollMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}
): Promise<StepResult> {
  const folder = stepFolder(address);
  const started = Date.now();
  let chunk = 1;
  for (;;) {
    chunk = await readLiveChunks(client.results, folder, chunk, onEntry);
    const result = await readResult(client, address);
    if (result) {
      // The last chunk may have been written between our last look and the result.
      const seen = chunk;
      chunk = await readLiveChunks(client.results, folder, chunk, onEntry);
      // A step that never ran has no live chunks: its log is in the result.
      if (seen === 1 && chunk === 1) for (const entry of result.log) onEntry(entry);
      return result;
    }
    if (options.signal?.aborted) throw new Error('stopped following');
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new Error(
        `no result for ${address.deploymentId}/${address.stepId} after ${options.timeoutMs} ms`
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 300));
  }
}
