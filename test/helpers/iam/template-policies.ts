import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_BUCKET, LOCAL_QUEUE, LOCAL_REGION } from '../../../src/local/stack';

/**
 * The IAM policies of the packaged CloudFormation template (`npm run package`), with its
 * intrinsic functions resolved for the local stack: the bucket is `tidepool-local`, the queues
 * are `tidepool-steps` and its `-dlq`, the account is 000000000000. These are the documents
 * the IAM gate holds every request to.
 */

export const LOCAL_ACCOUNT = '000000000000';
export const TEMPLATE_PATH = path.join(
  __dirname,
  '..',
  '..',
  '..',
  '.serverless',
  'cloudformation-template-update-stack.json'
);

export interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface StackPolicies {
  /** The function's execution role: its inline policies. */
  worker: PolicyDocument[];
  /** The managed policy a submitter (the CLI's user or role) is given. */
  submitter: PolicyDocument[];
  bucketPolicy: PolicyDocument | undefined;
  /** The bucket's default encryption key, when it is SSE-KMS; and that key's policy. */
  kms: { keyArn: string; keyPolicy: PolicyDocument | undefined } | undefined;
  names: { bucket: string; queue: string; deadLetterQueue: string };
}

type Json = unknown;
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}
interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, Json>;
}

const names = { bucket: LOCAL_BUCKET, queue: LOCAL_QUEUE, deadLetterQueue: `${LOCAL_QUEUE}-dlq` };

/** What `Ref` and `Fn::GetAtt` give for the stack's resources when they run locally. */
function localAttributes(template: Template): Record<string, { ref: string; arn?: string }> {
  const out: Record<string, { ref: string; arn?: string }> = {};
  const queueUrl = (name: string) => `http://127.0.0.1/${LOCAL_ACCOUNT}/${name}`;
  for (const [id, resource] of Object.entries(template.Resources)) {
    switch (resource.Type) {
      case 'AWS::S3::Bucket': {
        const bucket = id === 'StepsBucket' ? names.bucket : `local-${id.toLowerCase()}`;
        out[id] = { ref: bucket, arn: `arn:aws:s3:::${bucket}` };
        break;
      }
      case 'AWS::SQS::Queue': {
        const queue =
          id === 'StepsDeadLetterQueue'
            ? names.deadLetterQueue
            : id === 'StepsQueue'
              ? names.queue
              : id;
        out[id] = {
          ref: queueUrl(queue),
          arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${queue}`,
        };
        break;
      }
      case 'AWS::KMS::Key':
        out[id] = {
          ref: `local-${id}`,
          arn: `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/local-${id}`,
        };
        break;
      case 'AWS::SNS::Topic':
        out[id] = {
          ref: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`,
          arn: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`,
        };
        break;
      default:
        out[id] = { ref: id, arn: `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}` };
    }
  }
  return out;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'tidepool-local',
};

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves the intrinsic functions that appear in the template's policies. */
export function resolver(template: Template) {
  const attrs = localAttributes(template);
  const conditions = new Map<string, boolean>();
  const ref = (name: string): Json => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in PSEUDO) return PSEUDO[name];
    const found = attrs[name];
    if (!found) throw new Error(`The IAM gate cannot resolve Ref ${name} in the packaged template`);
    return found.ref;
  };
  const condition = (name: string): boolean => {
    const known = conditions.get(name);
    if (known !== undefined) return known;
    const body = template.Conditions?.[name];
    if (body === undefined) throw new Error(`The template has no condition '${name}'`);
    const value = Boolean(resolve(body));
    conditions.set(name, value);
    return value;
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, Json>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined) {
      switch (key) {
        case 'Ref':
          return ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          const found = attrs[id ?? ''];
          if (!found || attribute !== 'Arn')
            throw new Error(`The IAM gate cannot resolve Fn::GetAtt ${id}.${attribute}`);
          return found.arn;
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, Json[]];
          return (resolve(parts) as Json[]).map(String).join(sep);
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, Json];
          return String(resolve(text)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg)
            ? (arg as [string, Record<string, Json>])
            : [arg as string, {}];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(resolve(vars[name]));
            if (name.includes('.')) return String(resolve({ 'Fn::GetAtt': name.split('.') }));
            return String(ref(name));
          });
        }
        case 'Fn::If': {
          const [name, yes, no] = arg as [string, Json, Json];
          return resolve(condition(name) ? yes : no);
        }
        case 'Fn::Equals': {
          const [a, b] = resolve(arg) as [Json, Json];
          return JSON.stringify(a) === JSON.stringify(b);
        }
        case 'Fn::Not':
          return !(resolve(arg) as Json[])[0];
        case 'Fn::And':
          return (resolve(arg) as Json[]).every(Boolean);
        case 'Fn::Or':
          return (resolve(arg) as Json[]).some(Boolean);
        case 'Condition':
          return condition(arg as string);
        default:
          if (key.startsWith('Fn::'))
            throw new Error(`The IAM gate does not resolve ${key} (in the packaged template)`);
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of entries) {
      const resolved = resolve(v);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  };
  return resolve;
}

function ofType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The policies of a template object (already parsed JSON). */
export function policiesOf(template: Template): StackPolicies {
  const resolve = resolver(template);
  const role = template.Resources.IamRoleLambdaExecution;
  if (!role)
    throw new Error('The packaged template has no IamRoleLambdaExecution (the function role)');
  const inline = (
    resolve(role.Properties?.Policies ?? []) as Array<{ PolicyDocument: PolicyDocument }>
  ).map((p) => p.PolicyDocument);
  const managed = ofType(template, 'AWS::IAM::ManagedPolicy');
  const submitter = managed
    .filter(([id]) => id === 'SubmitterPolicy')
    .map(([, r]) => resolve(r.Properties?.PolicyDocument) as PolicyDocument);
  const bucketPolicy = ofType(template, 'AWS::S3::BucketPolicy').find(
    ([, r]) => JSON.stringify(r.Properties?.Bucket) === JSON.stringify({ Ref: 'StepsBucket' })
  )?.[1];
  const bucket = resolve(template.Resources.StepsBucket?.Properties ?? {}) as {
    BucketEncryption?: {
      ServerSideEncryptionConfiguration?: Array<{
        ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
      }>;
    };
  };
  const sse =
    bucket.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
  let kms: StackPolicies['kms'];
  if (sse?.SSEAlgorithm === 'aws:kms' && sse.KMSMasterKeyID) {
    const keyArn = sse.KMSMasterKeyID;
    const key = ofType(template, 'AWS::KMS::Key').find(
      ([id]) => resolve({ 'Fn::GetAtt': [id, 'Arn'] }) === keyArn
    );
    kms = {
      keyArn,
      keyPolicy: key ? (resolve(key[1].Properties?.KeyPolicy) as PolicyDocument) : undefined,
    };
  }
  return {
    worker: inline,
    submitter,
    bucketPolicy: bucketPolicy
      ? (resolve(bucketPolicy.Properties?.PolicyDocument) as PolicyDocument)
      : undefined,
    kms,
    names,
  };
}

/** The policies of the template that `npm run package` last wrote. */
export function packagedPolicies(file = TEMPLATE_PATH): StackPolicies {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run package\` (the tests' global setup does)`);
  }
  return policiesOf(JSON.parse(readFileSync(file, 'utf8')) as Template);
}

/** Inline role policies in CloudFormation form (a fixture) resolved against the packaged template. */
export function resolveRolePolicies(
  policies: Array<{ PolicyDocument: unknown }>,
  file = TEMPLATE_PATH
): PolicyDocument[] {
  const resolve = resolver(JSON.parse(readFileSync(file, 'utf8')) as Template);
  return policies.map((p) => resolve(p.PolicyDocument) as PolicyDocument);
}
