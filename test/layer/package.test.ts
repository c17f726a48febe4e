import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** `npm run package` (osls, offline) and the CloudFormation template it produces. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation JSON, checked field by field below
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

const root = path.join(__dirname, '..', '..');
let template: Template;
let resources: Template['Resources'];

beforeAll(() => {
  const run = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
  template = JSON.parse(
    readFileSync(
      path.join(root, '.serverless', 'cloudformation-template-update-stack.json'),
      'utf8'
    )
  ) as Template;
  resources = template.Resources;
}, 240000);

function ofType(type: string) {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

describe('the packaged CloudFormation template', () => {
  it('has the step queue with a dead-letter queue and a visibility of at least 6× the function timeout', () => {
    const fn = resources.StepRunnerLambdaFunction?.Properties;
    const queue = resources.StepsQueue?.Properties;
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn?.Timeout ?? Infinity));
    expect(queue?.RedrivePolicy.deadLetterTargetArn).toEqual({
      'Fn::GetAtt': ['StepsDeadLetterQueue', 'Arn'],
    });
    expect(queue?.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(2);
    expect(resources.StepsDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
  });

  it('keeps the bucket encrypted, private, TLS-only, with results expiring', () => {
    const bucket = resources.StepsBucket?.Properties;
    expect(
      bucket?.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
        .SSEAlgorithm
    ).toBeDefined();
    expect(bucket?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const rules = bucket?.LifecycleConfiguration.Rules as Array<{
      Prefix?: string;
      ExpirationInDays?: number;
    }>;
    expect(rules.find((r) => r.Prefix === 'results/')?.ExpirationInDays).toBeGreaterThan(0);
    const policy = resources.StepsBucketPolicy?.Properties.PolicyDocument.Statement[0];
    expect(policy).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('gives the function least privilege: no wildcard resources or actions', () => {
    const statements = resources.IamRoleLambdaExecution?.Properties.Policies.flatMap(
      (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement
    ) as Array<{ Action: string | string[]; Resource: unknown }>;
    for (const s of statements) {
      const actions = ([] as string[]).concat(s.Action);
      expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
      expect(JSON.stringify(s.Resource)).not.toBe('"*"');
      expect(([] as unknown[]).concat(s.Resource)).not.toContain('*');
    }
    const s3 = statements.filter((s) =>
      ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:'))
    );
    expect(JSON.stringify(s3)).toContain('/inputs/*');
    expect(JSON.stringify(s3)).toContain('/results/*');
    const inputs = s3.find((s) => JSON.stringify(s.Resource).includes('/inputs/*'));
    expect(([] as string[]).concat(inputs?.Action ?? [])).toEqual(['s3:GetObject']);
  });

  it('wires the SQS event source for partial batch failures, one step at a time, with a pool size', () => {
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0] ?? [];
    expect(mapping?.Properties).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': ['StepsQueue', 'Arn'] },
    });
    expect(mapping?.Properties.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
  });

  it('runs the function on nodejs22.x with the script-runtime layer', () => {
    const fn = resources.StepRunnerLambdaFunction?.Properties;
    expect(fn?.Runtime).toBe('nodejs22.x');
    expect(fn?.Layers).toEqual([{ Ref: 'ScriptRuntimeLambdaLayer' }]);
    const layer = resources.ScriptRuntimeLambdaLayer?.Properties;
    expect(layer?.CompatibleRuntimes).toEqual(['nodejs22.x']);
    expect(layer?.CompatibleArchitectures).toEqual([fn?.Architectures[0]]);
  });
});
