import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { s3Client, sqsClient } from '../../src/aws/clients';
import { RESULTS_PREFIX, resultKey, stepFolder } from '../../src/bucket/layout';
import { LOCAL_REGION, provision, type StackAddress } from '../../src/local/stack';
import { startServerProcess, type ServerProcess } from '../../src/local/server-process';
import type { StepResult } from '../../src/step/result';
import { startIamGate, type IamGate } from './iam/gate';
import { packagedPolicies } from './iam/template-policies';

/**
 * A bundle key as the bucket holds it, e.g. `inBundle('d', 's', claimKey)` for
 * `results/d/s/claim.json`.
 */
export function inBundle(
  deploymentId: string,
  stepId: string,
  key: (folder: string) => string
): string {
  return RESULTS_PREFIX + key(stepFolder({ deploymentId, stepId }));
}

export interface TestServer extends StackAddress {
  server: ServerProcess;
  /** The IAM gate every request passes: the packaged template's policies. */
  gate: IamGate;
  /** The operator's clients (the test's own set-up and inspection): allowed everything. */
  s3: S3Client;
  sqs: SQSClient;
  /** Makes the next `count` S3 requests fail with `status` and/or stall for `delayMs`. */
  fault(spec: { status?: number; delayMs?: number; count: number }): Promise<void>;
  put(key: string, body: string): Promise<void>;
  getText(key: string): Promise<string | undefined>;
  result(deploymentId: string, stepId: string): Promise<StepResult | undefined>;
  send(body: unknown): Promise<void>;
}

/**
 * A real S3/SQS-protocol server on 127.0.0.1 behind the IAM gate, with the bucket and queues
 * provisioned. `endpoint` is the gate's; stopping `server` stops the gate too.
 */
export async function startTestServer(
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {}
): Promise<TestServer> {
  const raw = await startServerProcess(0);
  const gate = await startIamGate(raw.endpoint, packagedPolicies()).catch(
    async (error: unknown) => {
      await raw.stop();
      throw error;
    }
  );
  const server: ServerProcess = {
    ...raw,
    endpoint: gate.endpoint,
    stop: async () => {
      await gate.close();
      await raw.stop();
    },
  };
  const endpoint = gate.endpoint;
  const sqs = sqsClient({ region: LOCAL_REGION, endpoint });
  const s3 = s3Client({ region: LOCAL_REGION, endpoint });
  const names = await provision(sqs, endpoint, {
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2,
    maxReceiveCount: options.maxReceiveCount ?? 3,
  });
  const getText = async (key: string) => {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: names.bucket, Key: key }));
      return await out.Body?.transformToString();
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  };
  return {
    endpoint,
    region: LOCAL_REGION,
    ...names,
    server,
    gate,
    s3,
    sqs,
    fault: async (spec) => {
      const response = await fetch(`${endpoint}/_tidepool/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec),
      });
      if (!response.ok) throw new Error(`fault injection failed: ${response.status}`);
    },
    put: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: key, Body: body }));
    },
    getText,
    result: async (deploymentId, stepId) => {
      const text = await getText(inBundle(deploymentId, stepId, resultKey));
      return text ? (JSON.parse(text) as StepResult) : undefined;
    },
    send: async (body) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: names.queueUrl,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })
      );
    },
  };
}
