import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  moduleInputKey,
  resultKey as resultKeyOf,
  scriptInputKey,
  signatureKey,
  stepFolder,
  variablesInputKey,
} from '../../bucket/layout';
import { parsePolicy, POLICIES, unknownValueMessage } from '../../integrity/policy';
import { ID_RULE, isId } from '../../step/ids';
import type { StepAddress, StepMessage } from '../../step/types';
import { usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { LogPrinter, printedResult } from '../log-printer';
import {
  connect,
  follow,
  queueOf,
  sendStep,
  STACK_HELP,
  STACK_OPTIONS,
  type StackClient,
} from '../stack-client';
import { buildMessage, exitCodeFor, RUN_OPTIONS } from './run';

export const SUBMIT_HELP = `Usage: tidepool submit <script-file | step-template.json> [options]

Sends a step to the worker pool: uploads the script, its variables and modules to the
bucket's inputs/ prefix and puts the step on the queue. With --wait, follows its log live and
prints its result as \`tidepool run\` does (same exit codes).

Options: everything \`tidepool run\` takes (--syntax, --variables, --var, --sensitive,
--module, --parameters, --timeout, --json, --show-sensitive), except --out, and:
  --policy <name>, --enforce | --audit, --verbatim
                             Tighten the worker's integrity policy for this step (it can
                             never be loosened); trust roots and signers are the worker's.
                             A bash script's <file>.sig is uploaded beside it
  --deployment <id>          The deployment the step belongs to (default: local)
  --step-id <id>             The step's id (default: the file's name and a UUIDv7, e.g.
                             deploy-0193f0a4-…). Ids are letters, digits, '.', '_', ':'
                             and '-' (a timestamp such as 2026-12-04T18:24:06Z will do).
                             An id is used once: one that already has inputs or a result
                             is refused, with nothing sent
  --step-name <name>         Its display name (Octopus.Action.Name)
  --after <step-id>          An earlier step of the deployment whose output variables this
                             step sees as Octopus.Action[<name>].Output.<Name> (repeatable)
  --wait                     Wait for the result, following the log
  --json                     With --wait: print the result document; without: the address
  --show-sensitive           With --wait: print sensitive output variables' values; by
                             default they print as ********
${STACK_HELP}
`;

const {
  out: _out,
  'trust-root': _roots,
  'allowed-signers': _signers,
  namespace: _namespaces,
  'trust-store': _store,
  'trust-store-digest': _digest,
  'attestation-key': _key,
  ...RUN_WITHOUT_OUT
} = RUN_OPTIONS;

/** The step's own integrity request; trust material stays the worker's configuration. */
function integrityOf(values: {
  policy?: string | undefined;
  enforce?: boolean | undefined;
  audit?: boolean | undefined;
  verbatim?: boolean | undefined;
}): StepMessage['integrity'] | undefined {
  if (values.enforce && values.audit) throw new UsageError('Give --enforce or --audit, not both');
  const policy = values.policy ? parsePolicy(values.policy) : undefined;
  if (values.policy && !policy) {
    throw new UsageError(unknownValueMessage('--policy', POLICIES, values.policy));
  }
  if (!policy && !values.verbatim && !values.audit && !values.enforce) return undefined;
  return {
    ...(policy ? { policy } : {}),
    ...(values.audit
      ? { mode: 'Audit' as const }
      : values.enforce || policy
        ? { mode: 'Enforce' as const }
        : {}),
    ...(values.verbatim ? { verbatim: true } : {}),
  };
}

const OPTIONS = {
  ...RUN_WITHOUT_OUT,
  ...STACK_OPTIONS,
  deployment: { type: 'string' },
  'step-id': { type: 'string' },
  'step-name': { type: 'string' },
  after: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
} as const;

/**
 * The step's id is taken already: it has a result, or inputs from an earlier submit. Sending
 * it again would have the worker answer with the earlier step's result, or run the earlier
 * step's inputs, so nothing is sent.
 */
export class IdInUseError extends UsageError {
  constructor(
    readonly address: StepAddress,
    readonly found: 'result' | 'inputs',
    where: string
  ) {
    super(
      `${address.deploymentId}/${address.stepId} is taken: it already has ${found === 'result' ? 'a result' : 'inputs'} (${where}), so nothing was sent. ` +
        `A step id names one step's content for good; choose another with --step-id <id>, or leave --step-id out for a generated one`
    );
  }
}

/**
 * Moves inline script, variables and modules into the input store: the message carries keys.
 * A detached signature (`signature`, the text of `<file>.sig`) goes beside the script.
 * Refuses (IdInUseError) an address that has a result or inputs already: every input is
 * written with If-None-Match: *, so two submits of one id cannot mix their inputs either.
 */
export async function upload(
  client: StackClient,
  message: StepMessage,
  signature?: string
): Promise<StepMessage> {
  const folder = stepFolder(message);
  const resultKey = resultKeyOf(folder);
  if (await client.results.exists(resultKey)) {
    throw new IdInUseError(message, 'result', client.results.locate(resultKey));
  }
  const create = async (key: string, body: string, contentType: string) => {
    const etag = await client.inputs.putConditional(key, body, {}, contentType);
    if (etag === undefined) throw new IdInUseError(message, 'inputs', client.inputs.locate(key));
  };
  const out: StepMessage = { ...message };
  if ('inline' in message.script) {
    // The script first: it outlives the variables (the worker deletes those once the step's result is stored), so
    // it is what shows an id was used.
    const key = scriptInputKey(folder, message.syntax);
    await create(key, message.script.inline, 'text/plain; charset=utf-8');
    if (signature !== undefined) await create(signatureKey(key), signature, 'text/plain');
    out.script = { key };
  }
  if (message.variables && 'inline' in message.variables) {
    const key = variablesInputKey(folder);
    await create(key, JSON.stringify(message.variables.inline), 'application/json');
    out.variables = { key };
  }
  if (message.modules) {
    out.modules = await Promise.all(
      message.modules.map(async (m, i) => {
        if (!('inline' in m.source)) return m;
        const key = moduleInputKey(folder, i + 1, m.syntax);
        await create(key, m.source.inline, 'text/plain; charset=utf-8');
        return { ...m, source: { key } };
      })
    );
  }
  return out;
}

export async function submitCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(
    () => parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    OPTIONS
  );
  if (values.help) {
    io.out(SUBMIT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `tidepool submit takes one script file, got ${positionals.length}. See tidepool submit --help`
    );
  }
  for (const [option, value] of [
    ['--deployment', values.deployment],
    ['--step-id', values['step-id']],
    ...(values.after ?? []).map((id) => ['--after', id] as const),
  ] as const) {
    if (value !== undefined && !isId(value)) {
      throw new UsageError(`${option} must be ${ID_RULE}, got '${value}'`);
    }
  }
  const file = positionals[0] as string;
  const built = await buildMessage(file, values);
  const message: StepMessage = {
    ...built,
    deploymentId: values.deployment ?? built.deploymentId,
    stepId: values['step-id'] ?? built.stepId,
    stepName: values['step-name'] ?? built.stepName ?? path.basename(file),
    queuedAt: new Date().toISOString(),
    ...(values.after?.length ? { previousSteps: values.after } : {}),
  };
  const integrity = integrityOf(values);
  if (integrity) message.integrity = integrity;
  const signature = existsSync(`${file}.sig`) ? readFileSync(`${file}.sig`, 'utf8') : undefined;
  const client = await connect(values);
  await queueOf(client);
  await sendStep(client, await upload(client, message, signature));
  const address = `${message.deploymentId}/${message.stepId}`;
  if (!values.wait) {
    io.out(
      values.json
        ? JSON.stringify({ deploymentId: message.deploymentId, stepId: message.stepId }) + '\n'
        : `Submitted ${address}\n`
    );
    return EXIT.ok;
  }
  const printer = new LogPrinter(io);
  if (!values.json) io.err(`Submitted ${address}; waiting for it to run...\n`);
  // A step that never gets a result (its message went to the dead-letter queue, no worker is
  // running) must not keep this command waiting forever.
  const waitMs = ((message.timeoutSeconds ?? 3600) + 600) * 1000;
  const result = await follow(
    client,
    message,
    (entry) => {
      if (!values.json) printer.live(entry);
    },
    { timeoutMs: waitMs }
  ).catch((error: unknown) => {
    throw new UsageError(
      `${(error as Error).message}; the step may still run: tidepool result ${address}`
    );
  });
  const showSensitive = values['show-sensitive'] === true;
  if (values.json) io.out(JSON.stringify(printedResult(result, showSensitive), null, 2) + '\n');
  else printer.summary(result, showSensitive);
  return exitCodeFor(result);
}
