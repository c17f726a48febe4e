import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as EmfMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Dimensions, Log, Metrics } from '../worker/observe';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The worker's log and metrics ports on Powertools, and what each invocation adds to them. */
export interface Telemetry {
  log: Log;
  metrics: Metrics;
  /**
   * Runs one invocation: its request id and cold start go on every log line (the worker adds
   * the step's address), and the stored metrics are published when it ends.
   */
  invocation<T>(context: Context, run: () => Promise<T>): Promise<T>;
}

/**
 * JSON log lines (service `tidepool`; level from AWS_LAMBDA_LOG_LEVEL, Lambda's own log level
 * control, or POWERTOOLS_LOG_LEVEL) and CloudWatch EMF metrics (namespace
 * POWERTOOLS_METRICS_NAMESPACE, default Tidepool).
 */
export function powertools(env: NodeJS.ProcessEnv = process.env): Telemetry {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || 'tidepool';
  const logger = new Logger({ serviceName });
  const emf = new EmfMetrics({
    serviceName,
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'Tidepool',
    logger,
  });
  const emit = (name: string, unit: Unit, value: number, dimensions: Dimensions = {}) => {
    const entries = Object.entries(dimensions).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      emf.addMetric(name, unit, value);
      return;
    }
    // Dimensions of the shared buffer apply to all its metrics: one with its own is flushed
    // on its own (Powertools' single metric), so StepsFailed{Syntax=bash} stays itself.
    const single = emf.singleMetric();
    for (const [k, v] of entries) single.addDimension(k, v as string);
    single.addMetric(name, unit, value);
  };
  return {
    log: (level, message, fields) => logger[level](message, fields ?? {}),
    metrics: {
      count: (name, dimensions) => emit(name, MetricUnit.Count, 1, dimensions),
      value: (name, ms, dimensions) => emit(name, MetricUnit.Milliseconds, ms, dimensions),
    },
    invocation: async (context, run) => {
      logger.addContext(context);
      try {
        return await run();
      } finally {
        // Without a stored metric Powertools would only warn that there is nothing to publish.
        if (emf.hasStoredMetrics()) emf.publishStoredMetrics();
      }
    },
  };
}
