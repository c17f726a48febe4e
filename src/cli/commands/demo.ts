import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_PREFIX, stepFolder } from '../../bucket/layout';
import { packageRoot } from '../../local/server-process';
import { startLocalStack } from '../../local/stack';
import { generatedId } from '../../step/ids';
import { usage } from '../args';
import { EXIT, type CliIo } from '../io';
import { LogPrinter } from '../log-printer';
import { connect, follow, sendStep } from '../stack-client';
import { buildMessage, exitCodeFor } from './run';
import { upload } from './submit';

export const DEMO_HELP = `Usage: tidepool demo [--concurrency N]

Starts the local stack (S3/SQS-protocol server and worker pool, as \`tidepool serve\`),
submits every example step in examples/ to it, and shows each step's log and result.
An example whose folder holds an EXPECT file must end with that status (examples/failure
fails on purpose). Exits 0 when every example ended as expected.
`;

interface Example {
  name: string;
  script: string;
  variables: string | undefined;
  expect: string;
}

function examples(root: string): Example[] {
  const dir = path.join(root, 'examples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const folder = path.join(dir, d.name);
      const script = readdirSync(folder).find((f) => /^step\.(sh|ps1)$/.test(f));
      if (!script) return undefined;
      const vars = path.join(folder, 'variables.json');
      const expectFile = path.join(folder, 'EXPECT');
      return {
        name: d.name,
        script: path.join(folder, script),
        variables: existsSync(vars) ? vars : undefined,
        expect: existsSync(expectFile) ? readFileSync(expectFile, 'utf8').trim() : 'succeeded',
      };
    })
    .filter((e): e is Example => e !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args,
      options: { concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    })
  );
  if (values.help) {
    io.out(DEMO_HELP);
    return EXIT.ok;
  }
  const list = examples(packageRoot());
  io.out(`Starting the local stack (embedded S3/SQS server + worker pool)...\n`);
  const stack = await startLocalStack({ concurrency: Number(values.concurrency ?? 2) });
  try {
    io.out(`Listening on ${stack.endpoint}; submitting ${list.length} example steps.\n`);
    const client = await connect({
      endpoint: stack.endpoint,
      bucket: stack.bucket,
      'queue-url': stack.queueUrl,
    });
    // New each time: a step id is used once, and the local stack's bucket may hold earlier runs.
    const deploymentId = generatedId('demo');
    const submitted = [];
    for (const example of list) {
      const built = await buildMessage(example.script, { variables: example.variables });
      const message = {
        ...built,
        deploymentId,
        stepId: example.name,
        stepName: example.name,
        queuedAt: new Date().toISOString(),
      };
      await sendStep(client, await upload(client, message));
      submitted.push({ example, message });
    }
    const printer = new LogPrinter(io);
    let ok = true;
    for (const { example, message } of submitted) {
      io.out(`\n=== ${example.name} (${path.relative(process.cwd(), example.script)}) ===\n`);
      const result = await follow(client, message, (entry) => printer.live(entry), {
        timeoutMs: 120_000,
      });
      printer.summary(result);
      const queued = Date.parse(result.timings.queuedAt);
      const finished = Date.parse(result.timings.finishedAt);
      io.out(
        `  Queued → finished: ${finished - queued} ms; bundle s3://${stack.bucket}/${RESULTS_PREFIX}${stepFolder(message)}\n`
      );
      if (result.status !== example.expect) {
        ok = false;
        io.err(
          `demo: ${example.name} ended ${result.status}, expected ${example.expect} (exit ${exitCodeFor(result)})\n`
        );
      }
    }
    io.out(
      `\n${ok ? 'All examples ended as expected.' : 'Some examples did not end as expected.'}\n`
    );
    return ok ? EXIT.ok : 1;
  } finally {
    await stack.stop();
  }
}
