import { S3ServiceException } from '@aws-sdk/client-s3';
import { StoreError } from '../../../src/store/store-error';
import { accessDeniedHint, awsSetupHelp } from '../../../src/cli/aws-errors';

function sdkError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

describe('AWS set-up errors, as the CLI words them', () => {
  it('recognises an expired session behind the store’s own error', () => {
    const error = new StoreError('read', 'results/x/y/result.json', false, {
      cause: sdkError('ExpiredToken', 400),
    });
    expect(awsSetupHelp(error)).toMatch(/expired .*`aws sso login`/);
  });

  it('adds the submitter policy to a refusal, S3’s bare 403 included', () => {
    const bare = new StoreError('look up', 'results/x/y/result.json', false, {
      cause: sdkError('Unknown', 403),
    });
    expect(accessDeniedHint(bare)).toContain("the stack's submitter policy");
    expect(awsSetupHelp(bare)).toBeUndefined();
  });

  it('leaves every other error alone', () => {
    const other = new StoreError('read', 'k', true, { cause: new Error('socket hang up') });
    expect(awsSetupHelp(other)).toBeUndefined();
    expect(accessDeniedHint(other)).toBeUndefined();
    expect(accessDeniedHint(sdkError('NoSuchBucket', 404))).toBeUndefined();
  });
});
