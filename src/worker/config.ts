// The worker's configuration, read once per container from its environment. Every problem
// is reported at once, naming the variable.

import { INPUTS_PREFIX, RESULTS_PREFIX } from '../bucket/layout';

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
  /**
   * Roles a step may ask for (`scriptRoleArn`), from a comma-separated list of ARN patterns in
   * IAM's wildcard style; unset means none.
   */
  allowedScriptRoles: RegExp | undefined;
  /** A failed delivery comes back after base × 2^(receives − 1) seconds (±20 %), at most max. */
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** A step is not started with less time than this left to run it (plus margin and grace). */
  minRunSeconds: number;
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
  const roles = env.TIDEPOOL_ALLOWED_SCRIPT_ROLES;
  const allowedScriptRoles = roles ? rolePatterns(roles, problems) : undefined;
  const config: WorkerConfig = {
    bucket: text('TIDEPOOL_BUCKET'),
    inputsPrefix: prefix('TIDEPOOL_INPUTS_PREFIX', INPUTS_PREFIX),
    resultsPrefix: prefix('TIDEPOOL_RESULTS_PREFIX', RESULTS_PREFIX),
    queueUrl: env.TIDEPOOL_QUEUE_URL || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint: env.TIDEPOOL_AWS_ENDPOINT || undefined,
    claimTtlSeconds: number('TIDEPOOL_CLAIM_TTL_SECONDS', 960, 5, 86400),
    deadlineMarginMs: number('TIDEPOOL_DEADLINE_MARGIN_MS', 10000, 100, 300000),
    visibilityTimeoutSeconds: number('TIDEPOOL_VISIBILITY_TIMEOUT_SECONDS', 5400, 1, 43200),
    allowedScriptRoles,
    retryBaseSeconds: number('TIDEPOOL_RETRY_BASE_SECONDS', 5, 1, 900),
    retryMaxSeconds: number('TIDEPOOL_RETRY_MAX_SECONDS', 900, 1, 43200),
    minRunSeconds: number('TIDEPOOL_MIN_RUN_SECONDS', 30, 1, 900),
    pollMs: number('TIDEPOOL_POLL_MS', 1000, 50, 60000),
    requestTimeoutMs: number('TIDEPOOL_AWS_REQUEST_TIMEOUT_MS', 10000, 100, 120000),
  };
  if (config.retryMaxSeconds < config.retryBaseSeconds) {
    problems.push(
      `TIDEPOOL_RETRY_MAX_SECONDS (${config.retryMaxSeconds}) must not be less than TIDEPOOL_RETRY_BASE_SECONDS (${config.retryBaseSeconds})`
    );
  }
  if (problems.length > 0)
    throw new ConfigError(`Invalid worker configuration: ${problems.join('; ')}`);
  return Object.freeze(config);
}

// What IAM allows in a role ARN (name and path characters), plus the two wildcards.
const ROLE_PATTERN = /^arn:[a-z*?-]+:iam::[0-9*?]*:role\/[A-Za-z0-9+=.@_\-/*?]+$/;

/**
 * The same string the template turns into `sts:AssumeRole` statements, so the worker allows
 * exactly what IAM lets it assume: `*` is any run of characters, `?` one character, as in an
 * IAM policy's Resource. (A role name with a comma cannot be listed: the comma separates.)
 */
function rolePatterns(list: string, problems: string[]): RegExp | undefined {
  const patterns = list.split(',').map((p) => p.trim());
  const bad = patterns.filter((p) => !ROLE_PATTERN.test(p));
  if (bad.length > 0) {
    problems.push(
      `TIDEPOOL_ALLOWED_SCRIPT_ROLES must be role ARNs separated by commas, where '*' matches any characters and '?' one (e.g. arn:aws:iam::123456789012:role/deploy-*); not ${bad.map((p) => `'${p}'`).join(', ')}`
    );
    return undefined;
  }
  const alternatives = patterns.map((p) =>
    p
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('')
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}
