import {
  request as httpRequest,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { localCredentials, type LocalIdentity } from '../../../src/aws/clients';
import { accessKeyOf, iamRequestOf, type HttpRequest, type IamRequest } from './requests';
import { LOCAL_ACCOUNT, type PolicyDocument, type StackPolicies } from './template-policies';

/**
 * An IAM gate in front of the embedded S3/SQS server: every request is evaluated, with a
 * maintained IAM policy evaluator (@cloud-copilot/iam-simulate), against the policies of the
 * caller's identity and the bucket's resource policy, as AWS would; a denied request gets
 * AWS's answer (403 AccessDenied), and a missing key is a 403 instead of a 404 for a caller
 * without s3:ListBucket on it. The server is taken to be reached over TLS, as AWS always is
 * by the SDK (aws:SecureTransport true).
 */

export interface Decision {
  identity: string;
  operation: string;
  action: string;
  resource: string;
  allowed: boolean;
  /** Set when a 404 was turned into a 403 (no s3:ListBucket). */
  hidMissingKey?: boolean;
}

export interface IamGate {
  endpoint: string;
  decisions: Decision[];
  denied(): Decision[];
  /** Replaces the policies of one identity (e.g. the wave-1 worker role). */
  setPolicies(identity: LocalIdentity, documents: PolicyDocument[]): void;
  close(): Promise<void>;
}

const PRINCIPALS: Record<LocalIdentity, string> = {
  worker: `arn:aws:iam::${LOCAL_ACCOUNT}:role/tidepool-worker`,
  submitter: `arn:aws:iam::${LOCAL_ACCOUNT}:user/tidepool-submitter`,
  operator: `arn:aws:iam::${LOCAL_ACCOUNT}:user/tidepool-operator`,
};

const ADMIN: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

function identityOf(accessKey: string | undefined): LocalIdentity | undefined {
  for (const identity of Object.keys(PRINCIPALS) as LocalIdentity[]) {
    if (localCredentials(identity).accessKeyId === accessKey) return identity;
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function deny(
  res: ServerResponse,
  request: IamRequest,
  method: string,
  message: string,
  code = 'AccessDenied'
) {
  if (request.service === 'sqs') {
    res.writeHead(403, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};Sender`,
    });
    res.end(JSON.stringify({ __type: `com.amazon.coral.service#${code}Exception`, message }));
    return;
  }
  res.writeHead(403, { 'content-type': 'application/xml' });
  if (method === 'HEAD') return void res.end();
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
      `<RequestId>0000000000000000</RequestId></Error>`
  );
}

export async function startIamGate(target: string, policies: StackPolicies): Promise<IamGate> {
  const documents: Record<LocalIdentity, PolicyDocument[]> = {
    worker: policies.worker,
    submitter: policies.submitter,
    operator: [ADMIN],
  };
  const cache = new Map<string, { allowed: boolean; why: string }>();
  const decisions: Decision[] = [];

  async function evaluate(
    identity: LocalIdentity,
    action: string,
    resource: string,
    context: Record<string, string | string[]>
  ): Promise<{ allowed: boolean; why: string }> {
    const key = JSON.stringify([identity, action, resource, context]);
    const cached = cache.get(key);
    if (cached) return cached;
    const resourcePolicy = action.startsWith('s3:')
      ? policies.bucketPolicy
      : action.startsWith('kms:')
        ? policies.kms?.keyPolicy
        : undefined;
    const simulation: Simulation = {
      identityPolicies: documents[identity].map((policy, i) => ({
        name: `${identity}-${i}`,
        policy,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy && resource !== '*' ? { resourcePolicy } : {}),
      request: {
        action,
        principal: PRINCIPALS[identity],
        resource: { accountId: LOCAL_ACCOUNT, resource },
        contextVariables: context,
      },
    } as Simulation;
    const outcome = await runSimulation(simulation, {});
    if (outcome.resultType === 'error') {
      throw new Error(
        `The IAM gate could not evaluate ${action} on ${resource}: ${JSON.stringify(outcome.errors)}`
      );
    }
    const result = outcome.overallResult;
    const allowed = result === 'Allowed';
    const why =
      result === 'ExplicitlyDenied'
        ? 'with an explicit deny in a policy'
        : `because no identity-based policy allows the ${action} action`;
    const decided = { allowed, why };
    cache.set(key, decided);
    return decided;
  }

  const targetUrl = new URL(target);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const http: HttpRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
    };
    const iam = iamRequestOf(http);
    let identity: LocalIdentity | undefined;
    if (iam) {
      identity = identityOf(accessKeyOf(http));
      if (!identity) {
        decisions.push({
          identity: 'unknown',
          operation: iam.operation,
          action: '',
          resource: '',
          allowed: false,
        });
        return deny(
          res,
          iam,
          http.method,
          'The AWS Access Key Id you provided does not exist in our records.',
          'InvalidAccessKeyId'
        );
      }
      const checks = [...iam.checks];
      if (
        policies.kms &&
        iam.object &&
        ['PutObject', 'CopyObject', 'CreateMultipartUpload'].includes(iam.operation)
      ) {
        checks.push({ action: 'kms:GenerateDataKey', resource: policies.kms.keyArn, context: {} });
      }
      for (const check of checks) {
        const decided = await evaluate(identity, check.action, check.resource, check.context);
        decisions.push({
          identity,
          operation: iam.operation,
          action: check.action,
          resource: check.resource,
          allowed: decided.allowed,
        });
        if (!decided.allowed) {
          return deny(
            res,
            iam,
            http.method,
            `User: ${PRINCIPALS[identity]} is not authorized to perform: ${check.action} on resource: "${check.resource}" ${decided.why}`
          );
        }
      }
    }

    const upstream = httpRequest(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: http.method,
        path: http.url,
        // The body is forwarded whole: a client's chunked encoding no longer applies.
        headers: {
          ...Object.fromEntries(
            Object.entries(req.headers).filter(([name]) => name !== 'transfer-encoding')
          ),
          'content-length': String(body.length),
        },
      },
      (answer) => {
        void (async () => {
          const status = answer.statusCode ?? 502;
          if (
            iam?.object &&
            identity &&
            (iam.operation === 'GetObject' || iam.operation === 'HeadObject')
          ) {
            if (status === 404) {
              const listing = await evaluate(
                identity,
                's3:ListBucket',
                `arn:aws:s3:::${iam.object.bucket}`,
                {
                  'aws:SecureTransport': 'true',
                  's3:prefix': iam.object.key,
                }
              );
              if (!listing.allowed) {
                answer.resume();
                const last = decisions.at(-1);
                if (last) last.hidMissingKey = true;
                return deny(
                  res,
                  iam,
                  http.method,
                  `User: ${PRINCIPALS[identity]} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::${iam.object.bucket}" ${listing.why} (so a missing key answers 403, not 404)`
                );
              }
            } else if (status === 200 && iam.operation === 'GetObject' && policies.kms) {
              const decrypt = await evaluate(identity, 'kms:Decrypt', policies.kms.keyArn, {});
              decisions.push({
                identity,
                operation: iam.operation,
                action: 'kms:Decrypt',
                resource: policies.kms.keyArn,
                allowed: decrypt.allowed,
              });
              if (!decrypt.allowed) {
                answer.resume();
                return deny(
                  res,
                  iam,
                  http.method,
                  `User: ${PRINCIPALS[identity]} is not authorized to perform: kms:Decrypt on resource: "${policies.kms.keyArn}" ${decrypt.why}`
                );
              }
            }
          }
          res.writeHead(status, answer.headers);
          answer.pipe(res);
        })().catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      }
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`IAM gate: upstream failed: ${error.message}`);
    });
    upstream.end(body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`IAM gate error: ${(error as Error).message}`);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    decisions,
    denied: () => decisions.filter((d) => !d.allowed || d.hidMissingKey),
    setPolicies(identity, docs) {
      documents[identity] = docs;
      cache.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
