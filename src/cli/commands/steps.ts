import { parseArgs } from 'node:util';
import { cancelKey, logKey, stepFolder } from '../../bucket/layout';
import { readLiveChunks } from '../../worker/live-log';
import { usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { LogPrinter, printedResult } from '../log-printer';
import {
  connect,
  follow,
  parseAddress,
  readResult,
  STACK_HELP,
  STACK_OPTIONS,
} from '../stack-client';
import { exitCodeFor } from './run';

const HELP = {
  result: `Usage: tidepool result <deployment/step | step> [--json] [--show-sensitive]

Prints a stored step result: a summary, or with --json the result document. Exits as
\`tidepool run\` would have for that result; 125 when there is no result (yet).
  --json                     The result document (result.json)
  --show-sensitive           Print sensitive output variables' values; by default they
                             print as ******** (also with --json)
${STACK_HELP}
`,
  logs: `Usage: tidepool logs <deployment/step | step> [--follow] [--json]

Prints a step's log as it was written while it ran. With --follow, keeps printing new lines
until the step has finished. With --json, one JSON log entry per line.
${STACK_HELP}
`,
  cancel: `Usage: tidepool cancel <deployment/step | step>

Asks the worker to cancel a step: a step not started yet never starts; a running one is
stopped (its process group ended) within about a second, and its result says cancelled.
${STACK_HELP}
`,
};

const OPTIONS = {
  ...STACK_OPTIONS,
  json: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  'show-sensitive': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The options each command takes: an option another command has is refused, not ignored. */
const ACCEPTS: Record<keyof typeof HELP, ReadonlyArray<keyof typeof OPTIONS>> = {
  result: ['json', 'show-sensitive'],
  logs: ['json', 'follow'],
  cancel: [],
};

function parse(command: keyof typeof HELP, args: string[], io: CliIo) {
  const { values, positionals } = usage(() =>
    parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  );
  for (const option of ['json', 'follow', 'show-sensitive'] as const) {
    if (values[option] !== undefined && !ACCEPTS[command].includes(option)) {
      throw new UsageError(
        `tidepool ${command} does not take --${option}. See tidepool ${command} --help`
      );
    }
  }
  if (values.help) {
    io.out(HELP[command]);
    return undefined;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      `tidepool ${command} takes one step address. See tidepool ${command} --help`
    );
  return { values, address: parseAddress(positionals[0]) };
}

export async function resultCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parse('result', args, io);
  if (!parsed) return EXIT.ok;
  const client = await connect(parsed.values);
  const result = await readResult(client, parsed.address);
  if (!result) {
    io.err(
      `tidepool result: no result for ${parsed.address.deploymentId}/${parsed.address.stepId} (yet)\n`
    );
    return EXIT.toolError;
  }
  const showSensitive = parsed.values['show-sensitive'] === true;
  if (parsed.values.json)
    io.out(JSON.stringify(printedResult(result, showSensitive), null, 2) + '\n');
  else new LogPrinter(io).summary(result, showSensitive);
  return exitCodeFor(result);
}

export async function logsCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parse('logs', args, io);
  if (!parsed) return EXIT.ok;
  const client = await connect(parsed.values);
  const printer = new LogPrinter(io);
  const print = (entry: Parameters<LogPrinter['live']>[0]) =>
    parsed.values.json ? io.out(JSON.stringify(entry) + '\n') : printer.live(entry);
  if (parsed.values.follow) {
    await follow(client, parsed.address, print);
    return EXIT.ok;
  }
  const result = await readResult(client, parsed.address);
  if (result) {
    const full = await client.results.get(logKey(stepFolder(parsed.address)), 256 << 20);
    if (full && !parsed.values.json) io.out(full.toString('utf8'));
    else for (const entry of result.log) print(entry);
    return EXIT.ok;
  }
  // Still running: what the live chunks hold so far.
  const next = await readLiveChunks(client.results, stepFolder(parsed.address), 1, print);
  if (next === 1)
    io.err(
      `tidepool logs: no log for ${parsed.address.deploymentId}/${parsed.address.stepId} yet\n`
    );
  return EXIT.ok;
}

export async function cancelCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parse('cancel', args, io);
  if (!parsed) return EXIT.ok;
  const client = await connect(parsed.values);
  await client.results.put(
    cancelKey(stepFolder(parsed.address)),
    JSON.stringify({ requestedAt: new Date().toISOString() }),
    'application/json'
  );
  io.out(`Cancel requested for ${parsed.address.deploymentId}/${parsed.address.stepId}\n`);
  return EXIT.ok;
}
