#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand, RUN_HELP } from './commands/run';
import { nearestNames, UsageError } from './args';
import { accessDeniedHint, awsSetupHelp } from './aws-errors';
import { EXIT, processIo, type CliIo } from './io';

export const MAIN_HELP = `tidepool: run Octopus-style script steps, locally or as a serverless worker pool

Usage: tidepool <command> [options]

Commands:
  run <script-file>     Run one bash or PowerShell step here and show its log, output
                        variables and artifacts
  demo                  Start the local stack, submit the example steps, show results
  serve                 Run the worker pool locally: embedded S3/SQS server + workers
  submit <script-file>  Send a step to the pool (local stack or AWS); --wait follows it
  logs <step>           Print a step's log; --follow tails a running step
  result <step>         Print a stored step result (--show-sensitive: unmasked outputs)
  cancel <step>         Cancel a queued or running step
  render [file|-]       Evaluate #{...} Octostache substitution and print the result
  verify <result-dir>   Check a run's signed attestation (and re-render the template)
  verify-signature <f>  Check a script's signature against a trust store
  help [command]        Show help (also: tidepool <command> --help)

Against AWS, submit, logs, result and cancel take --bucket and --queue-url, and the region
and credentials from the AWS SDK's default chain (AWS_REGION, AWS_PROFILE, SSO, keys).
Sensitive output variables print as ******** unless --show-sensitive is given.
Colour: on a terminal, unless NO_COLOR is set or TERM=dumb; FORCE_COLOR=1 forces it (also
on a pipe), FORCE_COLOR=0 turns it off; without colour each line is tagged [ERROR],
[WARNING], ... Control sequences in script output reach a terminal as visible text (␛[2J),
never as commands.

Every command takes --help. Exit codes: 0 success, 124 timed out, 125 Tidepool's own
error (bad usage, unreadable file, a step id already used), 126 rejected; a failed
script's own exit code.
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

async function loadRender(): Promise<Command> {
  const mod = (await import('./commands/render')) as { renderCommand: Command };
  return mod.renderCommand;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => runCommand,
  render: loadRender,
  demo: async () => (await import('./commands/demo')).demoCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
  submit: async () => (await import('./commands/submit')).submitCommand,
  logs: async () => (await import('./commands/steps')).logsCommand,
  result: async () => (await import('./commands/steps')).resultCommand,
  cancel: async () => (await import('./commands/steps')).cancelCommand,
  verify: async () => (await import('./commands/verify')).verifyCommand,
  'verify-signature': async () => (await import('./commands/verify')).verifySignatureCommand,
};

/**
 * The version package.json gives, found by walking up from this file: it is two folders up
 * in the source tree and three in dist/.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'tidepool' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here (or not ours): look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function didYouMean(command: string): string {
  const near = nearestNames(command, Object.keys(COMMANDS));
  return near.length ? ` Did you mean ${near.join(' or ')}?` : '';
}

/** One line for people; the stack only with TIDEPOOL_DEBUG=1. */
function describeError(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  if (!(error instanceof Error)) return String(error);
  if (process.env.TIDEPOOL_DEBUG === '1') return error.stack ?? error.message;
  const setup = awsSetupHelp(error);
  if (setup) return setup;
  const code = (error as NodeJS.ErrnoException).code;
  const denied = accessDeniedHint(error);
  const hint =
    code === 'ECONNREFUSED'
      ? ' (is the local stack running? Start it with `tidepool serve`, or give --endpoint)'
      : denied
        ? `. ${denied}`
        : '';
  return `${error.message}${hint}`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === 'run') io.out(RUN_HELP);
    else if (topic !== undefined && COMMANDS[topic])
      return (await COMMANDS[topic]())(['--help'], io);
    else if (topic !== undefined) {
      io.err(`tidepool help: no command '${topic}'.${didYouMean(topic)} Run tidepool --help\n`);
      return EXIT.toolError;
    } else io.out(MAIN_HELP);
    return name === undefined ? EXIT.toolError : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`tidepool ${packageVersion()}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`tidepool: unknown command '${name}'.${didYouMean(name)} Run tidepool --help\n`);
    return EXIT.toolError;
  }
  try {
    return await (
      await load()
    )(rest, io);
  } catch (error) {
    io.err(`tidepool ${name}: ${describeError(error)}\n`);
    return EXIT.toolError;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`tidepool: ${String(error)}\n`);
      process.exitCode = EXIT.toolError;
    }
  );
}
