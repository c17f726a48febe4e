import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { StepAddress } from '../step/types';

/**
 * Short-lived credentials of a step's own role, tagged with its deployment and step so the
 * role's policies and CloudTrail can tell steps apart. Not testable offline (the local
 * stack has no STS AssumeRole): the code path is kept to this one call.
 */
export function roleAssumer(sts: STSClient, region: string, durationSeconds = 900) {
  return async (roleArn: string, address: StepAddress): Promise<Record<string, string>> => {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `tidepool-${address.stepId}`.slice(0, 64),
        DurationSeconds: durationSeconds,
        Tags: [
          { Key: 'tidepool:deployment', Value: address.deploymentId },
          { Key: 'tidepool:step', Value: address.stepId },
        ],
      })
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(`AssumeRole for '${roleArn}' returned no credentials`);
    }
    return {
      AWS_ACCESS_KEY_ID: c.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
      AWS_SESSION_TOKEN: c.SessionToken,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    };
  };
}
