import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Who a client acts as against a local stack. On AWS the credentials come from the SDK's
 * default chain; locally each part of the system signs with its own access key, so that a
 * gate in front of the embedded server (the tests' IAM gate) can hold each to its own policy:
 * the worker to the function's role, the CLI to the submitter policy, set-up to an operator.
 */
export type LocalIdentity = 'worker' | 'submitter' | 'operator';

export interface ClientOptions {
  /** Undefined: the SDK's default chain (AWS_REGION, the profile's region). */
  region?: string | undefined;
  /** A custom endpoint (the local stack); path-style S3 addressing then. */
  endpoint?: string | undefined;
  /** Per-request timeout: a hung S3 or SQS call fails and is retried instead of stalling. */
  requestTimeoutMs?: number;
  /** With an endpoint: whose local credentials to sign with (default: operator). */
  identity?: LocalIdentity;
}

/** Credentials the local stack accepts; never used against AWS. */
export function localCredentials(identity: LocalIdentity) {
  return { accessKeyId: `tidepool-local-${identity}`, secretAccessKey: 'tidepool-local' };
}

function common(options: ClientOptions) {
  return {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 5,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      connectionTimeout: 3_000,
    },
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          credentials: localCredentials(options.identity ?? 'operator'),
        }
      : {}),
  };
}

export function s3Client(options: ClientOptions): S3Client {
  return new S3Client({
    ...common(options),
    ...(options.endpoint ? { forcePathStyle: true } : {}),
  });
}

export function sqsClient(options: ClientOptions): SQSClient {
  return new SQSClient(common(options));
}
