import { accessKeyOf, iamRequestOf, type HttpRequest } from '../../helpers/iam/requests';
import { policiesOf } from '../../helpers/iam/template-policies';

const signed = (key: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261204/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00`,
});

function req(
  method: string,
  url: string,
  headers: HttpRequest['headers'] = {},
  body = ''
): HttpRequest {
  return { method, url, headers, body: Buffer.from(body) };
}

describe('what the IAM gate asks of IAM for an HTTP request', () => {
  it('reads the access key from a SigV4 header or a presigned URL', () => {
    expect(accessKeyOf(req('GET', '/b/k', signed('AKIA1')))).toBe('AKIA1');
    expect(
      accessKeyOf(
        req('GET', '/b/k?X-Amz-Credential=AKIA2%2F20261204%2Fus-east-1%2Fs3%2Faws4_request')
      )
    ).toBe('AKIA2');
    expect(accessKeyOf(req('GET', '/b/k'))).toBeUndefined();
  });

  it('maps S3 object requests to object actions on the object ARN', () => {
    const ask = (method: string, url: string, headers = {}) =>
      iamRequestOf(req(method, url, headers))?.checks;
    expect(ask('GET', '/b/results/d/s/result.json')).toEqual([
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/results/d/s/result.json',
        context: { 'aws:SecureTransport': 'true' },
      },
    ]);
    expect(ask('HEAD', '/b/k')?.[0]?.action).toBe('s3:GetObject');
    expect(ask('PUT', '/b/a%3Ab/c')?.[0]?.resource).toBe('arn:aws:s3:::b/a:b/c');
    expect(ask('DELETE', '/b/k')?.[0]?.action).toBe('s3:DeleteObject');
    expect(ask('PUT', '/b/k?partNumber=1&uploadId=u')?.[0]?.action).toBe('s3:PutObject');
    expect(ask('PUT', '/b/dst', { 'x-amz-copy-source': '/b/src' })?.map((c) => c.action)).toEqual([
      's3:PutObject',
      's3:GetObject',
    ]);
  });

  it('maps a listing to s3:ListBucket on the bucket with its s3:prefix', () => {
    expect(iamRequestOf(req('GET', '/b?list-type=2&prefix=results%2Fd%2F'))?.checks).toEqual([
      {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::b',
        context: { 'aws:SecureTransport': 'true', 's3:prefix': 'results/d/' },
      },
    ]);
    expect(iamRequestOf(req('PUT', '/b'))?.checks[0]?.action).toBe('s3:CreateBucket');
  });

  it('maps a batch delete to a delete of each key', () => {
    const body =
      '<Delete><Object><Key>results/a</Key></Object><Object><Key>inputs/b</Key></Object></Delete>';
    expect(iamRequestOf(req('POST', '/b?delete', {}, body))?.checks.map((c) => c.resource)).toEqual(
      ['arn:aws:s3:::b/results/a', 'arn:aws:s3:::b/inputs/b']
    );
  });

  it('maps SQS JSON requests to the queue ARN from QueueUrl or QueueName', () => {
    const sqs = (target: string, body: unknown) =>
      iamRequestOf(
        req('POST', '/', { 'x-amz-target': `AmazonSQS.${target}` }, JSON.stringify(body))
      )?.checks[0];
    expect(
      sqs('SendMessage', { QueueUrl: 'http://127.0.0.1:9/000000000000/q', MessageBody: 'x' })
    ).toEqual({
      action: 'sqs:SendMessage',
      resource: 'arn:aws:sqs:us-east-1:000000000000:q',
      context: {},
    });
    expect(
      sqs('DeleteMessageBatch', { QueueUrl: 'http://h/000000000000/q', Entries: [] })?.action
    ).toBe('sqs:DeleteMessage');
    expect(sqs('GetQueueUrl', { QueueName: 'q' })?.resource).toBe(
      'arn:aws:sqs:us-east-1:000000000000:q'
    );
  });

  it('lets the test server’s own control requests through untouched', () => {
    expect(iamRequestOf(req('POST', '/_tidepool/faults'))).toBeUndefined();
  });
});

describe('the packaged template’s policies, resolved for the local stack', () => {
  it('resolves references, joins, subs and conditions to local ARNs', () => {
    const policies = policiesOf({
      Conditions: { HasRoles: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] } },
      Resources: {
        StepsBucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketEncryption: {
              ServerSideEncryptionConfiguration: [
                {
                  ServerSideEncryptionByDefault: {
                    SSEAlgorithm: 'aws:kms',
                    KMSMasterKeyID: { 'Fn::GetAtt': ['StepsKey', 'Arn'] },
                  },
                },
              ],
            },
          },
        },
        StepsQueue: { Type: 'AWS::SQS::Queue' },
        StepsKey: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [] } } },
        IamRoleLambdaExecution: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [
              {
                PolicyDocument: {
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: 's3:GetObject',
                      Resource: {
                        'Fn::Join': ['', [{ 'Fn::GetAtt': ['StepsBucket', 'Arn'] }, '/inputs/*']],
                      },
                    },
                    {
                      Effect: 'Allow',
                      Action: 'sqs:SendMessage',
                      Resource: {
                        'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:x',
                      },
                    },
                    {
                      'Fn::If': [
                        'HasRoles',
                        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
                        { Ref: 'AWS::NoValue' },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    });
    expect(policies.worker[0]?.Statement).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::tidepool-local/inputs/*' },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:sqs:us-east-1:000000000000:x',
      },
    ]);
    expect(policies.kms?.keyArn).toBe('arn:aws:kms:us-east-1:000000000000:key/local-StepsKey');
  });
});
