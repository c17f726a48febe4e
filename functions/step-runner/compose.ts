import { randomBytes } from 'node:crypto';
import { STSClient } from '@aws-sdk/client-sts';
import { roleAssumer } from '../../src/aws/assume-role';
import { integrityFromConfig } from '../../src/integrity/config';
import { interpreterVersions } from '../../src/run/interpreter-versions';
import { LocalHost } from '../../src/run/local-host';
import { loadConfig } from '../../src/worker/config';
import { workerDepsFrom } from '../../src/worker/deps';
import type { WorkerDeps } from '../../src/worker/process-record';

/** Everything the handler needs, built once per container (cold start). */
export async function compose(env: NodeJS.ProcessEnv = process.env): Promise<WorkerDeps> {
  const config = loadConfig(env);
  const host = new LocalHost(env.TIDEPOOL_WORK_DIR ?? '/tmp', env);
  host.prewarm('bash');
  const log: WorkerDeps['log'] = (level, message, fields) => {
    // Structured JSON lines: CloudWatch Logs Insights can query them.
    const line = JSON.stringify({ level, message, ...fields, time: new Date().toISOString() });
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  const deps = workerDepsFrom(config, {
    host,
    workerId: `${env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local'}/${randomBytes(4).toString('hex')}`,
    log,
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
