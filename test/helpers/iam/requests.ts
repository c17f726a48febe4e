import { LOCAL_REGION } from '../../../src/local/stack';
import { LOCAL_ACCOUNT } from './template-policies';

/**
 * What an S3 (REST, path-style) or SQS (JSON or query protocol) request asks IAM for: the
 * actions, each on its resource with the request's condition keys. One HTTP request can need
 * several (a copy reads its source; a batch delete deletes each key).
 */
export interface IamRequest {
  service: 's3' | 'sqs';
  /** The API operation, for messages: GetObject, SendMessage... */
  operation: string;
  checks: Array<{ action: string; resource: string; context: Record<string, string | string[]> }>;
  /** For S3 object requests: the bucket and key. */
  object?: { bucket: string; key: string };
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The access key id of a SigV4-signed request (header or presigned query), if any. */
export function accessKeyOf(request: HttpRequest): string | undefined {
  const auth = header(request, 'authorization');
  const fromHeader = auth && /Credential=([^/,\s]+)\//.exec(auth)?.[1];
  if (fromHeader) return fromHeader;
  const url = new URL(request.url, 'http://local');
  return url.searchParams.get('X-Amz-Credential')?.split('/')[0] ?? undefined;
}

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const s3Arn = (bucket: string, key?: string) =>
  `arn:aws:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;

function queueArnFromUrl(queueUrl: string): string {
  const parts = new URL(queueUrl).pathname.split('/').filter(Boolean);
  const [account, name] = parts.length >= 2 ? parts : [LOCAL_ACCOUNT, parts[0]];
  return `arn:aws:sqs:${LOCAL_REGION}:${account}:${name}`;
}

/** SQS operations whose IAM action has another name. */
const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: 'sqs:SendMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
};

function sqsRequest(request: HttpRequest): IamRequest | undefined {
  const target = header(request, 'x-amz-target');
  let operation: string | undefined;
  let params: Record<string, unknown> = {};
  if (target?.startsWith('AmazonSQS.')) {
    operation = target.slice('AmazonSQS.'.length);
    params =
      request.body.length > 0
        ? (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>)
        : {};
  } else if (
    request.method === 'POST' &&
    (header(request, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')
  ) {
    const form = new URLSearchParams(request.body.toString('utf8'));
    operation = form.get('Action') ?? undefined;
    params = Object.fromEntries(form.entries());
    const path = new URL(request.url, 'http://local').pathname;
    if (!params.QueueUrl && path.split('/').filter(Boolean).length >= 2)
      params.QueueUrl = `http://local${path}`;
  }
  if (!operation) return undefined;
  const action = SQS_ACTION[operation] ?? `sqs:${operation}`;
  let resource = '*';
  if (typeof params.QueueUrl === 'string') resource = queueArnFromUrl(params.QueueUrl);
  else if (typeof params.QueueName === 'string')
    resource = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${params.QueueName}`;
  return { service: 'sqs', operation, checks: [{ action, resource, context: {} }] };
}

/** Bucket-level sub-resources and the action each needs, by method. */
const BUCKET_SUBRESOURCE: Record<string, Record<string, string>> = {
  GET: {
    location: 's3:GetBucketLocation',
    versioning: 's3:GetBucketVersioning',
    policy: 's3:GetBucketPolicy',
    encryption: 's3:GetEncryptionConfiguration',
    lifecycle: 's3:GetLifecycleConfiguration',
    uploads: 's3:ListBucketMultipartUploads',
    versions: 's3:ListBucketVersions',
    tagging: 's3:GetBucketTagging',
  },
  PUT: {
    versioning: 's3:PutBucketVersioning',
    policy: 's3:PutBucketPolicy',
    encryption: 's3:PutEncryptionConfiguration',
    lifecycle: 's3:PutLifecycleConfiguration',
    tagging: 's3:PutBucketTagging',
  },
};

function s3Request(request: HttpRequest): IamRequest {
  const url = new URL(request.url, 'http://local');
  const [bucketPart, ...keyParts] = url.pathname.slice(1).split('/');
  const bucket = decodeURIComponent(bucketPart ?? '');
  const key = keyParts.map(decodeURIComponent).join('/');
  const q = url.searchParams;
  const method = request.method.toUpperCase();
  const secure = { 'aws:SecureTransport': 'true' };
  const one = (
    operation: string,
    action: string,
    resource: string,
    context: Record<string, string> = {}
  ) => ({
    service: 's3' as const,
    operation,
    checks: [{ action, resource, context: { ...secure, ...context } }],
  });

  if (!bucket) return one('ListBuckets', 's3:ListAllMyBuckets', '*');
  if (keyParts.length === 0 || key === '') {
    for (const [sub, action] of Object.entries(BUCKET_SUBRESOURCE[method] ?? {})) {
      if (q.has(sub)) return one(sub, action, s3Arn(bucket));
    }
    if (method === 'GET' || method === 'HEAD') {
      const prefix = q.get('prefix') ?? '';
      // Without a prefix, a condition on s3:prefix finds no value, as on AWS.
      return one(method === 'HEAD' ? 'HeadBucket' : 'ListObjects', 's3:ListBucket', s3Arn(bucket), {
        ...(q.has('prefix') || method === 'GET' ? { 's3:prefix': prefix } : {}),
      });
    }
    if (method === 'PUT') return one('CreateBucket', 's3:CreateBucket', s3Arn(bucket));
    if (method === 'DELETE') return one('DeleteBucket', 's3:DeleteBucket', s3Arn(bucket));
    if (method === 'POST' && q.has('delete')) {
      const keys = [...request.body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) =>
        (m[1] ?? '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
      );
      return {
        service: 's3',
        operation: 'DeleteObjects',
        checks: keys.map((k) => ({
          action: 's3:DeleteObject',
          resource: s3Arn(bucket, k),
          context: secure,
        })),
      };
    }
    return one(`${method} bucket`, `s3:Unknown${method}Bucket`, s3Arn(bucket));
  }

  const object = { bucket, key };
  const resource = s3Arn(bucket, key);
  if (q.has('uploadId')) {
    if (method === 'GET')
      return { ...one('ListParts', 's3:ListMultipartUploadParts', resource), object };
    if (method === 'DELETE')
      return { ...one('AbortMultipartUpload', 's3:AbortMultipartUpload', resource), object };
    return {
      ...one(method === 'PUT' ? 'UploadPart' : 'CompleteMultipartUpload', 's3:PutObject', resource),
      object,
    };
  }
  if (q.has('tagging'))
    return {
      ...one(
        'ObjectTagging',
        method === 'GET' ? 's3:GetObjectTagging' : 's3:PutObjectTagging',
        resource
      ),
      object,
    };
  switch (method) {
    case 'GET':
      return { ...one('GetObject', 's3:GetObject', resource), object };
    case 'HEAD':
      return { ...one('HeadObject', 's3:GetObject', resource), object };
    case 'DELETE':
      return { ...one('DeleteObject', 's3:DeleteObject', resource), object };
    case 'POST':
      return {
        ...one(q.has('uploads') ? 'CreateMultipartUpload' : 'PostObject', 's3:PutObject', resource),
        object,
      };
    case 'PUT': {
      const request_ = one('PutObject', 's3:PutObject', resource);
      const source = header(request, 'x-amz-copy-source');
      if (source) {
        const [srcBucket, ...srcKey] = decodeURIComponent(
          source.replace(/^\//, '').split('?')[0] ?? ''
        ).split('/');
        request_.operation = 'CopyObject';
        request_.checks.push({
          action: 's3:GetObject',
          resource: s3Arn(srcBucket ?? '', srcKey.join('/')),
          context: secure,
        });
      }
      return { ...request_, object };
    }
    default:
      return { ...one(`${method} object`, `s3:Unknown${method}Object`, resource), object };
  }
}

/** The request's IAM view; undefined for the test server's own control paths. */
export function iamRequestOf(request: HttpRequest): IamRequest | undefined {
  if (request.url.startsWith('/_tidepool/')) return undefined;
  return sqsRequest(request) ?? s3Request(request);
}
