import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface ClientOptions {
  region: string;
  /** A custom endpoint (the local stack); path-style S3 addressing then. */
  endpoint?: string | undefined;
  /** Per-request timeout: a hung S3 or SQS call fails and is retried instead of stalling. */
  requestTimeoutMs?: number;
}

/** Credentials the local stack accepts; never used against AWS. */
const LOCAL_CREDENTIALS = { accessKeyId: 'tidepool-local', secretAccessKey: 'tidepool-local' };

function common(options: ClientOptions) {
  return {
    region: options.region,
    maxAttempts: 5,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      connectionTimeout: 3_000,
    },
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
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
