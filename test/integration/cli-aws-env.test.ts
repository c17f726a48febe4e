import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { build } from 'esbuild';
import { localCredentials } from '../../src/aws/clients';
import { startTestServer, type TestServer } from '../helpers/aws';
import { tempDir } from '../helpers/cli';

// The CLI as a process of its own, so that it sees only the environment a test gives it:
// none of the machine's AWS settings, a HOME without ~/.aws. Bundled from the sources, so it
// is the code under test and not an older build.
let cli: string;
let server: TestServer;

beforeAll(async () => {
  cli = path.join(tempDir('tidepool-cli-bundle-'), 'tidepool.js');
  await build({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts')],
    // As bin/tidepool starts it: without the SDK's note about Node versions.
    banner: { js: "process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';" },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: cli,
    logLevel: 'error',
  });
  server = await startTestServer();
}, 60000);

afterAll(async () => {
  await server?.server.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function tidepool(args: string[], env: Record<string, string>): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: tempDir(),
      // Nothing from this machine: no AWS_*, no profile, no region.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

function emptyHome(): string {
  return tempDir('tidepool-home-');
}

/** A HOME whose ~/.aws has one profile, `ci`, with the local submitter's keys. */
function homeWithProfile(region: string): string {
  const home = emptyHome();
  mkdirSync(path.join(home, '.aws'));
  const { accessKeyId, secretAccessKey } = localCredentials('submitter');
  writeFileSync(path.join(home, '.aws', 'config'), `[profile ci]\nregion = ${region}\n`);
  writeFileSync(
    path.join(home, '.aws', 'credentials'),
    `[ci]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`
  );
  return home;
}

describe('the CLI against AWS: region and credentials from the SDK’s default chain', () => {
  it('without a region, fails at once saying how to give one', async () => {
    const run = await tidepool(['result', 'x/y', '--bucket', 'b'], { HOME: emptyHome() });
    expect(run.code).toBe(125);
    expect(run.stderr).toContain('tidepool result: No AWS region is set');
    for (const way of ['AWS_REGION', '--region', '`aws configure`'])
      expect(run.stderr).toContain(way);
    expect(run.ms).toBeLessThan(5000);
  });

  it('without credentials, fails at once saying how to provide them', async () => {
    const run = await tidepool(['result', 'x/y', '--bucket', 'b', '--region', 'eu-west-1'], {
      HOME: emptyHome(),
    });
    expect(run.code).toBe(125);
    expect(run.stderr).toContain('tidepool result: No usable AWS credentials');
    for (const way of ['AWS_PROFILE', 'aws configure sso', 'aws sso login', 'AWS_ACCESS_KEY_ID'])
      expect(run.stderr).toContain(way);
    expect(run.ms).toBeLessThan(5000);
  });

  it('takes region and credentials from the profile, and honours AWS_ENDPOINT_URL', async () => {
    const deploymentId = 'events';
    const stepId = '2026-12-04T18:24:06Z';
    const stored = {
      schemaVersion: 1,
      deploymentId,
      stepId,
      status: 'succeeded',
      exitCode: 0,
      outputVariables: { Token: { value: 'abcd-9999', sensitive: true } },
      artifacts: [],
      log: [{ time: '2026-12-04T18:24:07.000Z', source: 'stdout', level: 'info', text: 'ran' }],
      progress: [],
      timings: {
        queuedAt: '2026-12-04T18:24:06.000Z',
        startedAt: '2026-12-04T18:24:06.500Z',
        finishedAt: '2026-12-04T18:24:07.000Z',
        durationMs: 500,
      },
    };
    await server.put(`results/${deploymentId}/${stepId}/result.json`, JSON.stringify(stored));

    const home = homeWithProfile('us-east-1');
    const run = await tidepool(
      ['result', `${deploymentId}/${stepId}`, '--bucket', server.bucket, '--json'],
      { HOME: home, AWS_PROFILE: 'ci', AWS_ENDPOINT_URL: server.endpoint }
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as typeof stored;
    expect(printed.stepId).toBe(stepId);
    expect(printed.outputVariables.Token.value).toBe('********');
  });

  it('signs for the profile’s region, sending to AWS_ENDPOINT_URL', async () => {
    // An endpoint that only notes who asked, and in which region they signed.
    const seen: string[] = [];
    const fake = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code><Message>none</Message></Error>');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = fake.address() as AddressInfo;
      const run = await tidepool(['result', 'x/2026-12-04T18:24:06Z', '--bucket', 'b'], {
        HOME: homeWithProfile('eu-north-1'),
        AWS_PROFILE: 'ci',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      });
      expect(run.stderr).toContain('no result for x/2026-12-04T18:24:06Z (yet)');
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]).toMatch(/^GET \/b\/results\/x\/2026-12-04T18%3A24%3A06Z\/result\.json/);
      expect(seen[0]).toContain('/eu-north-1/s3/aws4_request');
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});
