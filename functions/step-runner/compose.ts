import { randomBytes } from 'node:crypto';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { roleAssumer } from '../../src/aws/assume-role';
import { s3Client, sqsClient } from '../../src/aws/clients';
import { S3ObjectStore } from '../../src/aws/s3-store';
import { interpreterVersions } from '../../src/run/interpreter-versions';
import { LocalHost } from '../../src/run/local-host';
import { integrityFromConfig } from '../../src/integrity/config';
import { loadConfig } from '../../src/worker/config';
import type { WorkerDeps } from '../../src/worker/process-record';

/** Everything the handler needs, built once per container (cold start). */
export async function compose(env: NodeJS.ProcessEnv = process.env): Promise<WorkerDeps> {
  const config = loadConfig(env);
  const options = {
    region: config.region,
    endpoint: config.endpoint,
    requestTimeoutMs: config.requestTimeoutMs,
  };
  const s3 = s3Client(options);
  const sqs = sqsClient(options);
  const bucket = new S3ObjectStore(s3, config.bucket);
  const inputs = bucket.child(config.inputsPrefix);
  const { check } = await integrityFromConfig(env, {
    readObject: (key) => inputs.get(key, 16 << 20),
  });
  const host = new LocalHost(env.TIDEPOOL_WORK_DIR ?? '/tmp', env);
  host.prewarm('bash');
  const log: WorkerDeps['log'] = (level, message, fields) => {
    // Structured JSON lines: CloudWatch Logs Insights can query them.
    const line = JSON.stringify({ level, message, ...fields, time: new Date().toISOString() });
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  // Once per container: which bash and pwsh this worker runs steps with.
  log('info', 'interpreter versions', { ...(await interpreterVersions(env)) });
  const queueUrl = config.queueUrl;
  return {
    config,
    inputs,
    integrity: check,
    results: bucket.child(config.resultsPrefix),
    host,
    workerId: `${env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local'}/${randomBytes(4).toString('hex')}`,
    ...(queueUrl
      ? {
          extendVisibility: async (receiptHandle: string, seconds: number) => {
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
    ...(config.allowedScriptRoles
      ? { assumeRole: roleAssumer(new STSClient({ region: config.region }), config.region) }
      : {}),
    log,
  };
}
