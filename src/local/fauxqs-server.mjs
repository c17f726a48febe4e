// The embedded S3- and SQS-protocol server for the local stack and the tests: fauxqs on
// 127.0.0.1, completed with S3 conditional writes (If-None-Match: *, If-Match) and with a
// switch to inject S3 faults in front of it. Runs as its own process (fauxqs is ESM-only);
// prints {"endpoint": ...} on stdout once listening, and stops when stdin closes.
// With TIDEPOOL_LOCAL_DATA_DIR, objects and messages are kept there across restarts; with
// TIDEPOOL_LOCAL_DROP_SUFFIX, objects whose key ends so are not brought back.
import * as path from 'node:path';
import { buildApp } from 'fauxqs';
import { killSessions, listedSessions, watchSessions } from './orphans.mjs';
import { persistentStores } from './persist.mjs';

const dataDir = process.env.TIDEPOOL_LOCAL_DATA_DIR;
const dropSuffix = process.env.TIDEPOOL_LOCAL_DROP_SUFFIX;
const sessionsFile = dataDir ? path.join(dataDir, 'sessions.json') : undefined;
// What a previous serve killed with SIGKILL left running (this server's watch died with it).
if (sessionsFile) killSessions(listedSessions(sessionsFile));
const persisted = dataDir
  ? persistentStores(dataDir, (key) => Boolean(dropSuffix) && key.endsWith(dropSuffix))
  : undefined;
const app = buildApp({
  logger: false,
  ...(persisted ? { stores: { s3Store: persisted.s3Store, sqsStore: persisted.sqsStore } } : {}),
});
// fauxqs stops bodies at 11 MiB; a step's log or artifact may be larger (multipart parts too).
const BODY_LIMIT = Number(process.env.TIDEPOOL_LOCAL_BODY_LIMIT ?? 1024 * 1024 * 1024);
app.removeContentTypeParser('*');
app.addContentTypeParser(
  '*',
  { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
  (_request, body, done) => done(null, body)
);
if (persisted) {
  app.addHook('onResponse', async (request) => {
    if (request.headers['x-amz-target']) persisted.snapshotQueues();
  });
}
// Only for serve (the data directory's owner): a test process has interpreters of its own.
const sessions = dataDir ? watchSessions(process.ppid, sessionsFile) : () => [];
// serve says "stop" before it closes stdin; stdin closing without it means serve died.
let asked = false;
process.stdin.on('data', (data) => {
  if (data.toString().includes('stop')) asked = true;
});
let fault = { status: 0, delayMs: 0, remaining: 0 };

function isS3(request) {
  return !request.headers['x-amz-target'] && !request.url.startsWith('/_tidepool/');
}

function xmlError(reply, status, code, message) {
  reply
    .code(status)
    .header('content-type', 'application/xml')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
    );
}

app.post('/_tidepool/faults', async (request) => {
  // fauxqs hands an application/json body over as raw bytes.
  const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : request.body;
  const body = typeof raw === 'string' ? JSON.parse(raw || '{}') : (raw ?? {});
  fault = { status: body.status ?? 0, delayMs: body.delayMs ?? 0, remaining: body.count ?? 0 };
  return { ok: true };
});

app.addHook('onRequest', async (request, reply) => {
  if (!isS3(request)) return;
  if (fault.remaining > 0) {
    fault.remaining--;
    if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status > 0)
      return xmlError(reply, fault.status, 'ServiceUnavailable', 'Injected fault');
  }
  const url = new URL(request.url, 'http://local');
  const isObjectPut =
    (request.method === 'PUT' &&
      !url.searchParams.has('partNumber') &&
      url.pathname.split('/').filter(Boolean).length > 1) ||
    (request.method === 'POST' && url.searchParams.has('uploadId'));
  const ifNoneMatch = request.headers['if-none-match'];
  const ifMatch = request.headers['if-match'];
  if (!isObjectPut || (ifNoneMatch !== '*' && !ifMatch)) return;
  // The server answers one request at a time in this process, so check-then-write holds.
  const head = await app.inject({ method: 'HEAD', url: url.pathname });
  if (ifNoneMatch === '*' && head.statusCode === 200) {
    return xmlError(
      reply,
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold'
    );
  }
  if (ifMatch && (head.statusCode !== 200 || head.headers.etag !== ifMatch)) {
    return xmlError(
      reply,
      head.statusCode === 200 ? 412 : 404,
      head.statusCode === 200 ? 'PreconditionFailed' : 'NoSuchKey',
      'If-Match failed'
    );
  }
});

const port = Number(process.env.TIDEPOOL_LOCAL_PORT ?? 0);
await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(JSON.stringify({ endpoint: `http://127.0.0.1:${address.port}` }) + '\n');

const stop = async () => {
  // serve died without stopping its steps: none of their processes may outlive it.
  if (!asked) killSessions(sessions());
  persisted?.snapshotQueues();
  await app.close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
