import { randomBytes } from 'node:crypto';
import { STSClient } from '@aws-sdk/client-sts';
import { roleAssumer } from '../../src/aws/assume-role';
import { integrityFromConfig } from '../../src/integrity/config';
import { interpreterVersions } from '../../src/run/interpreter-versions';
import { LocalHost } from '../../src/run/local-host';
import { loadConfig } from '../../src/worker/config';
import { workerDepsFrom } from '../../src/worker/deps';
import type { WorkerDeps } from '../../src/worker/process-record';
import { powertools, type Telemetry } from './telemetry';

/** Logger and metrics, once per container: made before the first invocation needs them. */
export const telemetry = powertools(process.env);

/** Everything the handler needs, built once per container (cold start). */
export async function compose(
  env: NodeJS.ProcessEnv = process.env,
  { log, metrics }: Telemetry = telemetry
): Promise<WorkerDeps> {
  const config = loadConfig(env);
  const host = new LocalHost(env.TIDEPOOL_WORK_DIR ?? '/tmp', env);
  host.prewarm('bash');
  const deps = workerDepsFrom(config, {
    host,
    workerId: `${env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local'}/${randomBytes(4).toString('hex')}`,
    log,
    metrics,
    ...(config.allowedScriptRoles
      ? { assumeRole: roleAssumer(new STSClient({ region: config.region }), config.region) }
      : {}),
  });
  const { check } = await integrityFromConfig(env, {
    readObject: (key) => deps.inputs.get(key, 16 << 20),
  });
  // Once per container: which bash and pwsh this worker runs steps with.
  log('info', 'interpreter versions', { ...(await interpreterVersions(env)) });
  return { ...deps, integrity: check };
}
