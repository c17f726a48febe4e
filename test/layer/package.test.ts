import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolver } from '../helpers/iam/template-policies';
import { readZip } from './inspect';

/**
 * `npm run package` (osls, offline) and the CloudFormation template it produces: its structure.
 * Whether the policies actually allow what the worker and the CLI do is the IAM gate's part
 * (the integration suite runs every request through it); here the template's shape is held.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation JSON, checked field by field below
type Json = any;
interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, Json>;
}
interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, Json>;
  Outputs: Record<string, { Value: Json; Condition?: string; Export?: { Name: Json } }>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const root = path.join(__dirname, '..', '..');
const BUCKET = 'arn:aws:s3:::tidepool-local'; // StepsBucket as the gate's resolver names it
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/local-StepsKey';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:tidepool-steps';

function packageWith(args: string[]) {
  return spawnSync(process.execPath, ['scripts/package.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

function packaged(dir: string): Template {
  return JSON.parse(
    readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')
  ) as Template;
}

/** The gate's resolver of intrinsic functions (the local stack's names and account). */
const resolveIn = (t: Template) => resolver(t as unknown as Parameters<typeof resolver>[0]);

const list = (v: string | string[] | undefined) => ([] as string[]).concat(v ?? []);

/** The worker role's inline statements, intrinsic functions resolved, osls' log statements left out. */
function workerStatements(template: Template): Statement[] {
  const resolve = resolveIn(template);
  const policies = resolve(
    template.Resources.IamRoleLambdaExecution?.Properties.Policies
  ) as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  return policies
    .flatMap((p) => p.PolicyDocument.Statement)
    .filter((s) => !list(s.Action).every((a) => a.startsWith('logs:')));
}

function submitterStatements(template: Template): Statement[] {
  const resolve = resolveIn(template);
  return (
    resolve(template.Resources.SubmitterPolicy?.Properties.PolicyDocument) as {
      Statement: Statement[];
    }
  ).Statement;
}

/** action → resources (and conditions), one line each: what a reviewer of the policy reads. */
function grants(statements: Statement[]): string[] {
  return statements
    .flatMap((s) =>
      list(s.Action).flatMap((a) =>
        list(s.Resource).map(
          (r) => `${s.Effect} ${a} ${r}${s.Condition ? ' if ' + JSON.stringify(s.Condition) : ''}`
        )
      )
    )
    .sort();
}

let template: Template;
let resources: Template['Resources'];

beforeAll(() => {
  const run = packageWith([]);
  if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
  template = packaged(path.join(root, '.serverless'));
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

  it('encrypts the bucket with its own rotated KMS key and S3 Bucket Keys; private, TLS-only', () => {
    const bucket = resources.StepsBucket?.Properties;
    expect(bucket?.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': ['StepsKey', 'Arn'] },
        },
        BucketKeyEnabled: true,
      },
    ]);
    const key = resources.StepsKey;
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    const keyPolicy = resolveIn(template)(key?.Properties.KeyPolicy) as {
      Statement: Array<Statement & { Principal: Json }>;
    };
    expect(keyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::000000000000:root' },
        Action: 'kms:*',
      })
    );
    // Only the account itself and CloudWatch (for this stack's alarms) are named in it.
    const principals = keyPolicy.Statement.map((s) => JSON.stringify(s.Principal));
    expect(principals.sort()).toEqual([
      '{"AWS":"arn:aws:iam::000000000000:root"}',
      '{"Service":"cloudwatch.amazonaws.com"}',
    ]);
    const cloudwatch = keyPolicy.Statement.find((s) =>
      JSON.stringify(s.Principal).includes('cloudwatch')
    );
    expect(cloudwatch?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '000000000000' },
      ArnLike: {
        'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:tidepool-dev-*',
      },
    });
    const [, alias] = ofType('AWS::KMS::Alias')[0] ?? [];
    expect(alias?.Properties).toEqual({
      AliasName: 'alias/tidepool-dev-steps',
      TargetKeyId: { Ref: 'StepsKey' },
    });
    expect(bucket?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policy = resources.StepsBucketPolicy?.Properties.PolicyDocument.Statement[0];
    expect(policy).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('expires inputs (they may hold secrets) after 1 day and results after 30 by default', () => {
    const rules = resources.StepsBucket?.Properties.LifecycleConfiguration.Rules as Array<{
      Prefix?: string;
      ExpirationInDays?: number;
    }>;
    expect(rules.find((r) => r.Prefix === 'inputs/')?.ExpirationInDays).toBe(1);
    expect(rules.find((r) => r.Prefix === 'results/')?.ExpirationInDays).toBe(30);
  });

  it('keeps the bucket and its key when the stack is removed or they are replaced', () => {
    for (const id of ['StepsBucket', 'StepsKey']) {
      expect(resources[id]?.DeletionPolicy).toBe('Retain');
      expect(resources[id]?.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('gives the worker exactly its statements: no wildcard action or resource, no write to inputs/', () => {
    const statements = workerStatements(template);
    for (const s of statements) {
      expect(list(s.Action).some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
      expect(list(s.Resource)).not.toContain('*');
    }
    expect(grants(statements)).toEqual(
      [
        `Allow s3:GetObject ${BUCKET}/inputs/*`,
        `Allow s3:DeleteObject ${BUCKET}/inputs/*`,
        `Allow s3:GetObject ${BUCKET}/results/*`,
        `Allow s3:PutObject ${BUCKET}/results/*`,
        `Allow s3:DeleteObject ${BUCKET}/results/*`,
        `Allow s3:ListBucket ${BUCKET} if {"StringLike":{"s3:prefix":["results/*","inputs/*"]}}`,
        `Allow kms:Decrypt ${KEY}`,
        `Allow kms:GenerateDataKey ${KEY}`,
        `Allow sqs:ChangeMessageVisibility ${QUEUE}`,
        // osls adds these three for the SQS event source
        `Allow sqs:ReceiveMessage ${QUEUE}`,
        `Allow sqs:DeleteMessage ${QUEUE}`,
        `Allow sqs:GetQueueAttributes ${QUEUE}`,
      ].sort()
    );
    // No scriptRoles param: no sts permission, and the worker allows no script role.
    const env = resources.StepRunnerLambdaFunction?.Properties.Environment.Variables;
    expect(env.TIDEPOOL_ALLOWED_SCRIPT_ROLES).toBeUndefined();
    expect(resources.IamRoleLambdaExecution?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(template.Resources.IamRoleLambdaExecution)).not.toContain('Fn::If');
  });

  it('exports a submitter policy that can submit, follow, read and cancel, and nothing else', () => {
    expect(resources.SubmitterPolicy?.Type).toBe('AWS::IAM::ManagedPolicy');
    expect(grants(submitterStatements(template))).toEqual(
      [
        `Allow s3:PutObject ${BUCKET}/inputs/*`,
        `Allow sqs:SendMessage ${QUEUE}`,
        `Allow sqs:GetQueueUrl ${QUEUE}`,
        `Allow s3:GetObject ${BUCKET}/results/*`,
        `Allow s3:ListBucket ${BUCKET} if {"StringLike":{"s3:prefix":"results/*"}}`,
        `Allow s3:PutObject ${BUCKET}/results/*/*/cancel.json`,
        `Allow kms:GenerateDataKey ${KEY}`,
        `Allow kms:Decrypt ${KEY}`,
      ].sort()
    );
    expect(template.Outputs.SubmitterPolicyArn).toEqual({
      Description: expect.any(String),
      Value: { Ref: 'SubmitterPolicy' },
      Export: { Name: 'tidepool-dev-SubmitterPolicyArn' },
    });
    for (const id of ['StepsBucketName', 'StepsQueueUrl', 'StepsDeadLetterQueueUrl', 'StepsKeyArn'])
      expect(template.Outputs[id]).toBeDefined();
  });

  it('wires the SQS event source for partial batch failures, one step at a time, with a pool size', () => {
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0] ?? [];
    expect(mapping?.Properties).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': ['StepsQueue', 'Arn'] },
    });
    expect(mapping?.Properties.ScalingConfig.MaximumConcurrency).toBe(10);
    // Reserved concurrency defaults to the pool size: the queue never hands out more than may run.
    expect(resources.StepRunnerLambdaFunction?.Properties.ReservedConcurrentExecutions).toBe(10);
  });

  it("runs the function on nodejs24.x with the stage's script-runtime layer, JSON logs and Powertools settings", () => {
    const fn = resources.StepRunnerLambdaFunction?.Properties;
    expect(fn?.Runtime).toBe('nodejs24.x');
    expect(fn?.Architectures).toEqual(['x86_64']);
    expect(fn?.Layers).toEqual([{ Ref: 'ScriptRuntimeLambdaLayer' }]);
    expect(fn?.EphemeralStorage).toEqual({ Size: 2048 });
    expect(fn?.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
    expect(fn?.VpcConfig).toBeUndefined();
    expect(fn?.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'tidepool',
      POWERTOOLS_METRICS_NAMESPACE: 'Tidepool',
    });
    expect(fn?.Environment.Variables.TIDEPOOL_TRUST_STORE).toBeUndefined();
    const layer = resources.ScriptRuntimeLambdaLayer?.Properties;
    expect(layer?.LayerName).toBe('tidepool-dev-script-runtime');
    expect(layer?.CompatibleRuntimes).toEqual(['nodejs24.x']);
    expect(layer?.CompatibleArchitectures).toEqual(['x86_64']);
    expect(layer?.Content.S3Key).toMatch(/\/script-runtime-x86_64\.zip$/);
  });

  it('blocks public access to the deployment bucket too', () => {
    expect(resources.ServerlessDeploymentBucket?.Properties.PublicAccessBlockConfiguration).toEqual(
      {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      }
    );
  });

  it('raises the four alarms under stable names, without actions when no topic or e-mail is given', () => {
    const alarms: Record<string, Json> = Object.fromEntries(
      ofType('AWS::CloudWatch::Alarm').map(([, r]) => [r.Properties.AlarmName, r.Properties])
    );
    expect(Object.keys(alarms).sort()).toEqual([
      'tidepool-dev-dlq-not-empty',
      'tidepool-dev-function-errors',
      'tidepool-dev-function-throttles',
      'tidepool-dev-queue-age',
    ]);
    const watched = (name: string) => {
      const a = alarms[name];
      return [a.Namespace, a.MetricName, a.Dimensions[0].Value, a.ComparisonOperator, a.Threshold];
    };
    expect(watched('tidepool-dev-dlq-not-empty')).toEqual([
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { 'Fn::GetAtt': ['StepsDeadLetterQueue', 'QueueName'] },
      'GreaterThanThreshold',
      0,
    ]);
    expect(watched('tidepool-dev-queue-age')).toEqual([
      'AWS/SQS',
      'ApproximateAgeOfOldestMessage',
      { 'Fn::GetAtt': ['StepsQueue', 'QueueName'] },
      'GreaterThanThreshold',
      3600,
    ]);
    for (const [name, metric] of [
      ['tidepool-dev-function-errors', 'Errors'],
      ['tidepool-dev-function-throttles', 'Throttles'],
    ] as const) {
      expect(watched(name)).toEqual([
        'AWS/Lambda',
        metric,
        { Ref: 'StepRunnerLambdaFunction' },
        'GreaterThanThreshold',
        0,
      ]);
    }
    for (const a of Object.values(alarms)) {
      expect(a.AlarmActions).toEqual([]);
      expect(a.TreatMissingData).toBe('notBreaching');
    }
    // The e-mail topic exists only with alarmEmail: its condition is false here.
    expect(resources.AlarmTopic?.Condition).toBe('CreateAlarmTopic');
    expect(resolveIn(template)({ 'Fn::If': ['CreateAlarmTopic', 'yes', 'no'] })).toBe('no');
  });
});

describe('the template with params set', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'tidepool-package-'));
  // A trust store must be inside the repository to be packaged; .cache/ is not committed.
  const trustDir = path.join(root, '.cache', 'package-test');
  const trustBytes = JSON.stringify({ version: 'package-test-1', roots: [] });
  let withParams: Template;

  beforeAll(() => {
    mkdirSync(trustDir, { recursive: true });
    writeFileSync(path.join(trustDir, 'trust-store.json'), trustBytes);
    const run = packageWith([
      '--package',
      out,
      '--stage',
      'prod',
      '--param=scriptRoles=arn:aws:iam::123456789012:role/deploy-*, arn:aws:iam::*:role/tidepool-read',
      '--param=vpcSubnetIds=subnet-0a1,subnet-0b2',
      '--param=vpcSecurityGroupIds=sg-0c3',
      '--param=alarmEmail=ops@example.org',
      '--param=trustStore=.cache/package-test/trust-store.json',
      '--param=poolSize=8',
      '--param=reservedConcurrency=12',
      '--param=logLevel=debug',
      '--param=ephemeralStorageSize=4096',
      '--param=inputRetentionDays=2',
      '--param=maxQueueAgeSeconds=900',
    ]);
    if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stdout}\n${run.stderr}`);
    withParams = packaged(out);
  }, 240000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(trustDir, { recursive: true, force: true });
  });

  it('lets the worker assume exactly the scriptRoles patterns, and tells the worker the same', () => {
    const sts = workerStatements(withParams).filter((s) =>
      list(s.Action).some((a) => a.startsWith('sts:'))
    );
    expect(grants(sts)).toEqual(
      [
        'Allow sts:AssumeRole arn:aws:iam::123456789012:role/deploy-*',
        'Allow sts:AssumeRole arn:aws:iam::*:role/tidepool-read',
        'Allow sts:TagSession arn:aws:iam::123456789012:role/deploy-*',
        'Allow sts:TagSession arn:aws:iam::*:role/tidepool-read',
      ].sort()
    );
    const env = withParams.Resources.StepRunnerLambdaFunction?.Properties.Environment.Variables;
    expect(env.TIDEPOOL_ALLOWED_SCRIPT_ROLES).toBe(
      'arn:aws:iam::123456789012:role/deploy-*,arn:aws:iam::*:role/tidepool-read'
    );
  });

  it('puts the function in the VPC, with the ENI permissions Lambda needs there', () => {
    const fn = withParams.Resources.StepRunnerLambdaFunction?.Properties;
    expect(fn?.VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1', 'subnet-0b2'],
      SecurityGroupIds: ['sg-0c3'],
    });
    expect(
      JSON.stringify(withParams.Resources.IamRoleLambdaExecution?.Properties.ManagedPolicyArns)
    ).toContain('AWSLambdaVPCAccessExecutionRole');
  });

  it('packages the trust store with the function and pins its digest', () => {
    const env = withParams.Resources.StepRunnerLambdaFunction?.Properties.Environment.Variables;
    expect(env.TIDEPOOL_TRUST_STORE).toBe('/var/task/.cache/package-test/trust-store.json');
    expect(env.TIDEPOOL_TRUST_STORE_DIGEST).toBe(
      'sha256:' + createHash('sha256').update(trustBytes).digest('hex')
    );
    const entries = readZip(path.join(out, 'stepRunner.zip'));
    const packagedStore = entries.find((e) => e.name === '.cache/package-test/trust-store.json');
    expect(packagedStore?.data.toString()).toBe(trustBytes);
    expect(entries.map((e) => e.name)).toContain('dist/bundle/step-runner/handler.js');
  });

  it('takes the pool size, concurrency, log level, storage and retention params', () => {
    const fn = withParams.Resources.StepRunnerLambdaFunction?.Properties;
    expect(fn?.ReservedConcurrentExecutions).toBe(12);
    expect(fn?.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' });
    expect(fn?.EphemeralStorage).toEqual({ Size: 4096 });
    const [, mapping] =
      Object.entries(withParams.Resources).find(
        ([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping'
      ) ?? [];
    expect(mapping?.Properties.ScalingConfig.MaximumConcurrency).toBe(8);
    const rules = withParams.Resources.StepsBucket?.Properties.LifecycleConfiguration
      .Rules as Array<{
      Prefix?: string;
      ExpirationInDays?: number;
    }>;
    expect(rules.find((r) => r.Prefix === 'inputs/')?.ExpirationInDays).toBe(2);
  });

  it('names everything after the stage, and notifies an encrypted e-mail topic from every alarm', () => {
    expect(withParams.Outputs.SubmitterPolicyArn?.Export?.Name).toBe(
      'tidepool-prod-SubmitterPolicyArn'
    );
    expect(withParams.Resources.ScriptRuntimeLambdaLayer?.Properties.LayerName).toBe(
      'tidepool-prod-script-runtime'
    );
    expect(resolveIn(withParams)({ 'Fn::If': ['CreateAlarmTopic', 'yes', 'no'] })).toBe('yes');
    expect(withParams.Resources.AlarmTopic?.Properties.KmsMasterKeyId).toEqual({ Ref: 'StepsKey' });
    expect(withParams.Resources.AlarmEmailSubscription?.Properties).toEqual({
      TopicArn: { Ref: 'AlarmTopic' },
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
    const alarms = Object.values(withParams.Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm'
    );
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual([
      'tidepool-prod-dlq-not-empty',
      'tidepool-prod-function-errors',
      'tidepool-prod-function-throttles',
      'tidepool-prod-queue-age',
    ]);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
    const age = alarms.find((a) => a.Properties.AlarmName === 'tidepool-prod-queue-age');
    expect(age?.Properties.Threshold).toBe(900);
  });

  it('refuses params that cannot work, naming each one and the fix', () => {
    const run = packageWith([
      '--package',
      path.join(out, 'refused'),
      '--param=poolSize=10',
      '--param=reservedConcurrency=4',
      '--param=alarmTopicArn=arn:aws:sns:us-east-1:123456789012:ops',
      '--param=alarmEmail=ops@example.org',
      '--param=vpcSubnetIds=subnet-0a1',
      '--param=scriptRoles=*',
    ]);
    expect(run.status).not.toBe(0);
    const text = run.stdout + run.stderr;
    expect(text).toContain('reservedConcurrency (4) must be at least poolSize (10)');
    expect(text).toContain('alarmTopicArn and alarmEmail exclude each other');
    expect(text).toContain('vpcSubnetIds and vpcSecurityGroupIds go together');
    expect(text).toContain("scriptRoles: '*' is not an IAM role ARN pattern");
  }, 60000);
});
