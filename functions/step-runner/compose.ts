import { powertools } from '../../src/compose/telemetry';
import { composeWorker } from '../../src/compose/worker';
import type { WorkerDeps } from '../../src/worker/deps';

/** Logger and metrics, once per container: made before the first invocation needs them. */
export const telemetry = powertools(process.env);

/** Everything the handler needs, built once per container (cold start). */
export function compose(env: NodeJS.ProcessEnv = process.env): Promise<WorkerDeps> {
  return composeWorker(env, { log: telemetry.log, metrics: telemetry.metrics });
}
