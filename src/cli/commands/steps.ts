import { parseArgs } from 'node:util';
import { cancelKey, logKey, scriptInputKey, stepFolder } from '../../bucket/layout';
import type { StepAddress } from '../../step/types';
import { readLiveChunks } from '../../worker/live-log';
import { usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { LogPrinter, printedResult } from '../log-printer';
import {
  type StackClient,
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
until the step has finished; a step the stack does not know (no inputs, no log, no result)
(no log, no result) ends it with exit code 125 after TIDEPOOL_FOLLOW_UNKNOWN_SECONDS
(default 10).
With --json, one JSON log entry per line.
${STACK_HELP}
`,
  cancel: `Usage: tidepool cancel <deployment/step | step>

Asks the worker to cancel a step: a step not started yet never starts; a running one is
stopped (its process group ended) within about a second, and its result says cancelled.
A finished step is left as it is (said so, exit code 0); an unknown one (no inputs, log or
result) is an error (125).
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

const named = (a: StepAddress) => `${a.deploymentId}/${a.stepId}`;

/**
 * Whether the stack has heard of the step: a result, a live log chunk, or its script among the
 * inputs (queued). 'unsure' when only the inputs could tell and they cannot be read (the
 * packaged submitter policy does not allow it; the local stack without a gate does).
 */
async function stepKnown(
  client: StackClient,
  address: StepAddress
): Promise<'known' | 'unknown' | 'unsure'> {
  const folder = stepFolder(address);
  const stored = await Promise.all([
    readResult(client, address)
      .then((r) => r !== undefined)
      .catch(() => true),
    readLiveChunks(client.results, folder, 1, () => undefined)
      .then((next) => next > 1)
      .catch(() => true),
  ]);
  if (stored.some(Boolean)) return 'known';
  const inputs = await Promise.all(
    (['bash', 'powershell'] as const).map((syntax) =>
      client.inputs.exists(scriptInputKey(folder, syntax)).catch(() => undefined)
    )
  );
  if (inputs.includes(true)) return 'known';
  return inputs.includes(undefined) ? 'unsure' : 'unknown';
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
    // A step submitted a moment after `logs --follow` started is waited for, within a bound.
    const boundMs = Number(process.env.TIDEPOOL_FOLLOW_UNKNOWN_SECONDS ?? 10) * 1000;
    const giveUpAt = Date.now() + boundMs;
    while ((await stepKnown(client, parsed.address)) !== 'known') {
      if (Date.now() >= giveUpAt) {
        io.err(
          `tidepool logs: no step ${named(parsed.address)} after ${boundMs / 1000} s: no log and no result` +
            ` (a step still queued shows nothing until it starts; TIDEPOOL_FOLLOW_UNKNOWN_SECONDS waits longer)\n`
        );
        return EXIT.toolError;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
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
  const finished = await readResult(client, parsed.address);
  if (finished) {
    io.out(
      `${named(parsed.address)} has already finished (${finished.status}): nothing to cancel\n`
    );
    return EXIT.ok;
  }
  const known = await stepKnown(client, parsed.address);
  if (known === 'unknown') {
    io.err(
      `tidepool cancel: no step ${named(parsed.address)}: no inputs, no log and no result; nothing was cancelled\n`
    );
    return EXIT.toolError;
  }
  if (known === 'unsure') {
    io.err(
      `tidepool cancel: ${named(parsed.address)} has no log or result yet, and these credentials cannot read its inputs to tell a queued step from an unknown one: requesting the cancel anyway\n`
    );
  }
  await client.results.put(
    cancelKey(stepFolder(parsed.address)),
    JSON.stringify({ requestedAt: new Date().toISOString() }),
    'application/json'
  );
  io.out(`Cancel requested for ${parsed.address.deploymentId}/${parsed.address.stepId}\n`);
  return EXIT.ok;
}
