// The AWS SDK's set-up errors say what is missing, not how to provide it. The CLI rewrites
// them into the ways a person can: the same ones the AWS CLI takes.

const REGION_HELP =
  'No AWS region is set. Set AWS_REGION (e.g. `export AWS_REGION=eu-west-1`), give ' +
  '--region, or give your profile a region with `aws configure`';

const CREDENTIALS_HELP =
  'Provide them as for the AWS CLI: a profile from `aws configure` (AWS_PROFILE picks one), ' +
  'an IAM Identity Center (SSO) profile from `aws configure sso` (then `aws sso login`), ' +
  'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), ' +
  "or the instance's or task's role. They need the stack's submitter policy (docs/deploy.md)";

/** The error and the errors it wraps (StoreError keeps the SDK's as its cause). */
function* chain(error: unknown): Generator<Error> {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    yield e;
    e = e.cause;
  }
}

/**
 * What to do about an AWS SDK error that means "not set up": no region, no credentials, or
 * expired ones. Undefined for every other error.
 */
export function awsSetupHelp(error: unknown): string | undefined {
  for (const e of chain(error)) {
    if (/^Region is missing/.test(e.message)) return REGION_HELP;
    if (e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError') {
      return `No usable AWS credentials (the SDK says: ${e.message}). ${CREDENTIALS_HELP}`;
    }
    if (e.name === 'ExpiredToken' || e.name === 'ExpiredTokenException') {
      return `The AWS credentials have expired (for an SSO profile: \`aws sso login\`). ${CREDENTIALS_HELP}`;
    }
  }
  return undefined;
}

/**
 * A hint for a request AWS refused: S3 answers a HEAD with a bare 403 ("Unknown"), and a
 * missing key reads as 403 too for a caller without s3:ListBucket.
 */
export function accessDeniedHint(error: unknown): string | undefined {
  for (const e of chain(error)) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403 || e.name === 'AccessDenied' || e.name === 'AccessDeniedException') {
      return "Access denied: these credentials need the stack's submitter policy (docs/deploy.md)";
    }
  }
  return undefined;
}
