import { randomBytes } from 'node:crypto';
import { STSClient } from '@aws-sdk/client-sts';
import { roleAssumer } from '../aws/assume-role';
import { s3Client, sqsClient } from '../aws/clients';
import { S3ObjectStore } from '../aws/s3-store';
import { sqsVisibility } from '../aws/visibility';
import { integrityFromConfig } from '../integrity/config';
import { interpreterVersions } from '../run/interpreter-versions';
import { LocalHost } from '../run/local-host';
import { loadConfig } from '../worker/config';
import type { WorkerDeps } from '../worker/deps';
import type { Log, Metrics } from '../worker/observe';

export interface ComposeOptions {
  /** Where the worker's log lines go; none when absent. */
  log?: Log;
  metrics?: Metrics;
  /** Who this worker is in claims and logs (default: the log stream or pid, and 4 random bytes). */
  workerId?: string;
}

/** The worker with the host it was given: one that prewarms and closes interpreters. */
export type ComposedWorker = WorkerDeps & { host: LocalHost };

/**
 * The one composition of the worker, from an environment (docs/deploy.md lists the variables):
 * the Lambda handler passes its own, `tidepool serve` the user's with the local stack's
 * address. Everything but the integrity check, which may have to read its trust store; for
 * the whole worker use composeWorker.
 */
export function workerFromEnv(
  env: NodeJS.ProcessEnv,
  options: ComposeOptions = {}
): ComposedWorker {
  const config = loadConfig(env);
  const clients = {
    region: config.region,
    endpoint: config.endpoint,
    requestTimeoutMs: config.requestTimeoutMs,
    identity: 'worker' as const,
  };
  const bucket = new S3ObjectStore(s3Client(clients), config.bucket);
  const host = new LocalHost(env.TIDEPOOL_WORK_DIR ?? '/tmp', env);
  host.prewarm('bash');
  return {
    config,
    inputs: bucket.child(config.inputsPrefix),
    results: bucket.child(config.resultsPrefix),
    host,
    workerId:
      options.workerId ??
      `${env.AWS_LAMBDA_LOG_STREAM_NAME ?? `local-${process.pid}`}/${randomBytes(4).toString('hex')}`,
    ...(config.queueUrl
      ? { setVisibility: sqsVisibility(sqsClient(clients), config.queueUrl) }
      : {}),
    ...(config.allowedScriptRoles
      ? { assumeRole: roleAssumer(new STSClient({ region: config.region }), config.region) }
      : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
}

/**
 * The whole worker: workerFromEnv plus the integrity check of TIDEPOOL_INTEGRITY_POLICY and
 * its trust store (docs/integrity.md). With a log, the interpreters' versions are logged
 * once, as a worker starts.
 */
export async function composeWorker(
  env: NodeJS.ProcessEnv,
  options: ComposeOptions = {}
): Promise<ComposedWorker> {
  const deps = workerFromEnv(env, options);
  try {
    const { check } = await integrityFromConfig(env, {
      readObject: (key) => deps.inputs.get(key, 16 << 20),
    });
    if (options.log) {
      options.log('info', 'interpreter versions', { ...(await interpreterVersions(env)) });
    }
    return { ...deps, integrity: check };
  } catch (error) {
    deps.host.close();
    throw error;
  }
}
