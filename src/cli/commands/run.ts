import * as path from 'node:path';
import { LocalHost, removeLiveStepDirsSync } from '../../run/local-host';
import { killAllGroups } from '../../run/script-process';
import { runStep } from '../../pipeline/run-step';
import type { StepResult } from '../../step/result';
import { FsObjectStore } from '../../store/fs-store';
import { InputError } from '../../step/errors';
import { generatedId } from '../../step/ids';
import type { ModuleSpec, StepMessage, Syntax } from '../../step/types';
import { parseVariablesJson, type VariablesDocument } from '../../step/variables';
import { parseArgs } from 'node:util';
import { readNamedFile, splitPair, undefinedSensitiveWarnings, usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { parseStepTemplate, TemplateError, type StepTemplate } from '../../templates/step-template';
import { LogPrinter, printedResult } from '../log-printer';
import { INTEGRITY_HELP, INTEGRITY_OPTIONS, integrityForRun } from '../integrity-options';

export const RUN_HELP = `Usage: tidepool run <script-file | step-template.json> [options]

Runs one Octopus-style script step on this machine, as the worker would: substitution,
bootstrap, the script in its own process group, then log, output variables and artifacts.
A .json file is read as an Octopus step template (as the community library exports them):
its script runs with its parameters' defaults as variables; --var and --variables override.

Options:
  --syntax bash|powershell   Script language (default: from the extension, .sh or .ps1)
  --variables <vars.json>    Variables: a JSON object mapping a name to a string, or to
                             { "value": "...", "sensitive": true }
  --var Name=Value           One variable (repeatable; wins over --variables)
  --sensitive Name           Mark a variable sensitive: masked in every log line (repeatable)
  --module Name=<file>       A script module (repeatable); language from the extension
  --parameters "<text>"      Script parameters, pasted after the script as Octopus does
  --timeout <seconds>        Stop the script after this long (default 3600)
  --out <dir>                Where the result bundle goes (result.json, log.txt,
                             artifacts/); default .tidepool/runs/<step id>
  --json                     Print exactly one result document on stdout, nothing else
  --show-sensitive           Print sensitive output variables' values; by default they
                             print as ******** (result.json in --out keeps them)
  -h, --help                 Show this help
${INTEGRITY_HELP}
Exit codes: 0 succeeded; the script's own exit code when it failed (Fail-Step and
negative codes become 255); 124 timed out; 125 Tidepool's own error (bad usage,
unreadable file); 126 rejected (not run); 130 cancelled.
`;

export const RUN_OPTIONS = {
  syntax: { type: 'string' },
  variables: { type: 'string' },
  var: { type: 'string', multiple: true },
  sensitive: { type: 'string', multiple: true },
  module: { type: 'string', multiple: true },
  parameters: { type: 'string' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'show-sensitive': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...INTEGRITY_OPTIONS,
} as const;

export function syntaxOf(file: string, given: string | undefined): Syntax {
  if (given !== undefined) {
    if (given === 'bash' || given === 'powershell') return given;
    throw new UsageError(`--syntax must be bash or powershell, got '${given}'`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.sh' || ext === '.bash') return 'bash';
  if (ext === '.ps1' || ext === '.psm1') return 'powershell';
  throw new UsageError(
    `Cannot tell the language of '${file}' from its extension: give --syntax bash|powershell`
  );
}

async function readText(file: string, what: string, flag?: string): Promise<string> {
  return (await readNamedFile(file, what, flag)).toString('utf8');
}

async function readVariablesFile(file: string): Promise<VariablesDocument> {
  const text = await readText(file, 'variables file', '--variables');
  try {
    return parseVariablesJson(text, file, `Variables file '${file}'`);
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

async function readTemplate(file: string): Promise<StepTemplate> {
  const text = await readText(file, 'step template');
  try {
    return parseStepTemplate(JSON.parse(text) as unknown, file);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new UsageError(`Step template '${file}' is not valid JSON: ${error.message}`);
    // `run vars.json` is a common slip: say why a variables document was read as a template.
    if (error instanceof TemplateError)
      throw new UsageError(
        `${error.message}. A .json file is read as an Octopus step template; ` +
          'to give variables to a script, run it with --variables <file>.json'
      );
    throw error;
  }
}

/** The process exit code for a result (conventions of `timeout` and `docker run`). */
export function exitCodeFor(result: StepResult): number {
  switch (result.status) {
    case 'succeeded':
      return EXIT.ok;
    case 'timed-out':
      return EXIT.timedOut;
    case 'rejected':
      return EXIT.rejected;
    case 'cancelled':
      return 130;
    case 'failed': {
      const code = result.exitCode;
      if (code === null) return 1;
      if (code < 0 || code > 255) return 255;
      return code === 0 ? 1 : code;
    }
  }
}

/** A new id for every run or submit: `deploy-<UUIDv7>` for deploy.sh. */
function stepIdFor(file: string): string {
  return generatedId(path.basename(file, path.extname(file)));
}

export async function buildMessage(
  file: string,
  values: {
    syntax?: string | undefined;
    variables?: string | undefined;
    var?: string[] | undefined;
    sensitive?: string[] | undefined;
    module?: string[] | undefined;
    parameters?: string | undefined;
    timeout?: string | undefined;
  }
): Promise<StepMessage> {
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 86400) {
      throw new UsageError(
        `--timeout must be a whole number of seconds from 1 to 86400, got '${values.timeout}'`
      );
    }
  }
  const template =
    path.extname(file).toLowerCase() === '.json' ? await readTemplate(file) : undefined;
  const syntax =
    template && values.syntax === undefined ? template.syntax : syntaxOf(file, values.syntax);
  const script = template ? template.script : await readText(file, 'script');
  const variables: VariablesDocument = {
    ...template?.variables,
    ...(values.variables ? await readVariablesFile(values.variables) : {}),
  };
  for (const pair of values.var ?? []) {
    const [name, value] = splitPair(pair, '--var');
    variables[name] = value;
  }
  const modules: ModuleSpec[] = [];
  for (const pair of values.module ?? []) {
    const [name, moduleFile] = splitPair(pair, '--module');
    modules.push({
      name,
      syntax: syntaxOf(moduleFile, undefined),
      source: { inline: await readText(moduleFile, 'module', '--module') },
    });
  }
  return {
    schemaVersion: 1,
    deploymentId: 'local',
    stepId: stepIdFor(file),
    stepName: template?.name ?? path.basename(file),
    syntax,
    script: { inline: script },
    variables: { inline: variables },
    ...(values.sensitive?.length ? { sensitiveVariables: values.sensitive } : {}),
    ...(modules.length ? { modules } : {}),
    ...(values.parameters !== undefined ? { parameters: values.parameters } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
}

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(
    () => parseArgs({ args, options: RUN_OPTIONS, allowPositionals: true, strict: true }),
    RUN_OPTIONS
  );
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `tidepool run takes one script file, got ${positionals.length}. See tidepool run --help`
    );
  }
  const file = positionals[0] as string;
  const message = await buildMessage(file, values);
  const defined =
    message.variables && 'inline' in message.variables ? message.variables.inline : {};
  for (const warning of undefinedSensitiveWarnings(values.sensitive, defined)) io.err(warning);
  const outDir = path.resolve(values.out ?? path.join('.tidepool', 'runs', message.stepId));
  const printer = new LogPrinter(io);
  const json = values.json === true;
  const integrity = await integrityForRun(values, file, message, outDir);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) {
      killAllGroups();
      removeLiveStepDirsSync();
      process.exit(130);
    }
    io.err('\nStopping the script (press Ctrl-C again to kill it now)...\n');
    controller.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const result = await runStep(
      message,
      {
        inputs: new FsObjectStore(process.cwd()),
        results: new FsObjectStore(outDir),
        // One step, then exit: no interpreter is started ahead for a next one.
        host: new LocalHost(undefined, process.env, false),
        prefixFor: () => '',
        ...integrity,
      },
      {
        signal: controller.signal,
        ...(json ? {} : { onLog: (e) => printer.entry(e), onProgress: (u) => printer.progress(u) }),
      }
    );
    const showSensitive = values['show-sensitive'] === true;
    if (json) {
      io.out(JSON.stringify(printedResult(result, showSensitive), null, 2) + '\n');
    } else {
      printer.summary(result, showSensitive);
      io.out(`  Result: ${path.join(outDir, 'result.json')}\n`);
    }
    return exitCodeFor(result);
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}
