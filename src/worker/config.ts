// The worker's configuration, read once per container from its environment. Every problem
// is reported at once, naming the variable.

export interface WorkerConfig {
  bucket: string;
  /** Where step inputs (scripts, variables, modules) live in the bucket. */
  inputsPrefix: string;
  /** Where result bundles go: `<resultsPrefix><deploymentId>/<stepId>/`. */
  resultsPrefix: string;
  /** The queue, for extending visibility while a step runs; optional. */
  queueUrl: string | undefined;
  region: string;
  /** A custom S3/SQS endpoint (the local stack); undefined on AWS. */
  endpoint: string | undefined;
  /** How long a claim holds before another worker may take the step over. */
  claimTtlSeconds: number;
  /** Kept free before Lambda's deadline to stop the script and store its result. */
  deadlineMarginMs: number;
  visibilityTimeoutSeconds: number;
  /** Roles a step may ask for (`scriptRoleArn`): a regular expression; unset means none. */
  allowedScriptRoles: RegExp | undefined;
  /** How often cancel requests are checked and the live log is flushed. */
  pollMs: number;
  /** Per-request timeout for S3 and SQS calls. */
  requestTimeoutMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const PREFIX = /^([A-Za-z0-9._-]+\/)*$/;

export function loadConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const problems: string[] = [];
  const text = (name: string, fallback?: string): string => {
    const value = env[name] ?? fallback;
    if (value === undefined || value === '') {
      problems.push(`${name} is required`);
      return '';
    }
    return value;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
      return fallback;
    }
    return value;
  };
  const prefix = (name: string, fallback: string): string => {
    const value = env[name] ?? fallback;
    if (!PREFIX.test(value)) problems.push(`${name} must be empty or end with '/', got '${value}'`);
    return value;
  };
  let allowedScriptRoles: RegExp | undefined;
  const roles = env.TIDEPOOL_ALLOWED_SCRIPT_ROLES;
  if (roles) {
    try {
      allowedScriptRoles = new RegExp(`^(?:${roles})$`);
    } catch (error) {
      problems.push(
        `TIDEPOOL_ALLOWED_SCRIPT_ROLES is not a valid regular expression: ${(error as Error).message}`
      );
    }
  }
  const config: WorkerConfig = {
    bucket: text('TIDEPOOL_BUCKET'),
    inputsPrefix: prefix('TIDEPOOL_INPUTS_PREFIX', 'inputs/'),
    resultsPrefix: prefix('TIDEPOOL_RESULTS_PREFIX', 'results/'),
    queueUrl: env.TIDEPOOL_QUEUE_URL || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint: env.TIDEPOOL_AWS_ENDPOINT || undefined,
    claimTtlSeconds: number('TIDEPOOL_CLAIM_TTL_SECONDS', 960, 5, 86400),
    deadlineMarginMs: number('TIDEPOOL_DEADLINE_MARGIN_MS', 10000, 100, 300000),
    visibilityTimeoutSeconds: number('TIDEPOOL_VISIBILITY_TIMEOUT_SECONDS', 5400, 1, 43200),
    allowedScriptRoles,
    pollMs: number('TIDEPOOL_POLL_MS', 1000, 50, 60000),
    requestTimeoutMs: number('TIDEPOOL_AWS_REQUEST_TIMEOUT_MS', 10000, 100, 120000),
  };
  if (problems.length > 0)
    throw new ConfigError(`Invalid worker configuration: ${problems.join('; ')}`);
  return Object.freeze(config);
}
