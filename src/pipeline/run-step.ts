import { evaluate } from '../octostache';
import { buildBashBootstrap } from '../bootstrap/bash';
import { buildPowerShellBootstrap } from '../bootstrap/powershell';
import type { BootstrapInput, BootstrapPlan, StepDirs } from '../bootstrap/plan';
import { safeArtifactFileName } from '../collect/artifact-path';
import { OutputCollector } from '../collect/collector';
import { Masker } from '../collect/masker';
import { decideStatus, isTrue } from '../collect/status';
import type { LogEntry, ProgressUpdate } from '../collect/types';
import {
  createIntegrityCheck,
  renderChecked,
  type IntegrityCheck,
  type IntegrityVerdict,
} from '../integrity/check';
import { storeAttestation, type Attestor } from '../integrity/attestation';
import { integritySubject } from '../integrity/subject';
import type { StepHost } from '../run/local-host';
import type { ObjectStore } from '../store/object-store';
import type { StepAddress, StepMessage, Syntax, VariableValue } from '../step/types';
import { formatProblems, validateStep } from '../step/validate';
import { DEFAULT_CONFIG, type PipelineConfig } from './config';
import { resolveSource } from './inputs';
import { formatLogLine, LogBuffer } from './log-buffer';
import { resultPrefix, type ArtifactRecord, type StepResult } from './result';
import {
  buildVariables,
  collectModules,
  getVariable,
  InputError,
  parseVariablesDocument,
  type StepVariables,
} from './variables';

export type Bootstrapper = (input: BootstrapInput) => BootstrapPlan;

export interface PipelineDeps {
  inputs: ObjectStore;
  results: ObjectStore;
  host: StepHost;
  integrity?: IntegrityCheck;
  /** Signs an attestation (attestation.json) for every step; part 6. */
  attestor?: Attestor;
  bootstrappers?: Partial<Record<Syntax, Bootstrapper>>;
  config?: PipelineConfig;
  now?: () => Date;
  /** Where a step's bundle goes in `results`; by default `<deploymentId>/<stepId>/`. */
  prefixFor?: (address: StepAddress) => string;
}

export interface RunOptions {
  onLog?(entry: LogEntry): void;
  onProgress?(update: ProgressUpdate): void;
  /** Aborting cancels the step: the script is stopped and the result says cancelled. */
  signal?: AbortSignal;
  /**
   * When the script must be stopped at the latest (epoch ms), whatever its own timeout says:
   * Lambda's deadline less what storing the result needs. The grace period is taken off too.
   */
  deadlineAt?: number;
  /** When the step was accepted, if earlier than now (queue receipt). */
  receivedAt?: Date;
  /** Environment variables for this step's script alone (an assumed role's credentials). */
  extraEnv?: Record<string, string>;
  /** Called just before result.json is written (e.g. to flush a live log first). */
  beforeResult?(): Promise<void>;
  /** SHA-256 of the message as delivered, recorded in the result (see the worker). */
  messageSha256?: string;
  /** Timestamps of the pipeline's stages, for benchmarks. */
  mark?(stage: 'accepted' | 'spawned' | 'exited' | 'stored'): void;
}

export class UnaddressableMessageError extends Error {
  override readonly name = 'UnaddressableMessageError';
}

/**
 * Without a configured check the worker's minimum is Unrestricted (as Octopus), but a step
 * can still ask for more: with no trust material, a step asking for signatures is refused.
 */
const DEFAULT_INTEGRITY = createIntegrityCheck({ policy: 'Unrestricted', enforcement: 'Audit' });

const BOOTSTRAPPERS: Partial<Record<Syntax, Bootstrapper>> = {
  bash: buildBashBootstrap,
  powershell: buildPowerShellBootstrap,
};

/**
 * resolve sources → integrity → render → bootstrap → run → collect → store result.
 * The one pipeline behind the CLI and the Lambda handler.
 */
export async function runStep(
  message: unknown,
  deps: PipelineDeps,
  options: RunOptions = {}
): Promise<StepResult> {
  options.mark?.('accepted');
  const now = deps.now ?? (() => new Date());
  const queuedAt = options.receivedAt ?? now();
  const parsed = validateStep(message);
  if (!parsed.ok) {
    const text = `Invalid step message: ${formatProblems(parsed.problems)}`;
    if (!parsed.address) throw new UnaddressableMessageError(text);
    return storeRejection(
      deps,
      parsed.address,
      queuedAt,
      { code: 'invalid-message', message: text },
      now,
      options.messageSha256
    );
  }
  const step = parsed.step;
  const stepQueuedAt = step.queuedAt ? new Date(step.queuedAt) : queuedAt;
  try {
    return await execute(step, deps, options, stepQueuedAt, now);
  } catch (error) {
    if (error instanceof InputError) {
      return storeRejection(
        deps,
        step,
        stepQueuedAt,
        { code: error.code, message: error.message },
        now,
        options.messageSha256
      );
    }
    throw error;
  }
}

async function execute(
  step: StepMessage,
  deps: PipelineDeps,
  options: RunOptions,
  queuedAt: Date,
  now: () => Date
): Promise<StepResult> {
  const config = deps.config ?? DEFAULT_CONFIG;
  const { limits } = config;

  // Resolve sources.
  const script = await resolveSource(deps.inputs, step.script, '/script', limits.scriptBytes);
  const variablesDoc = await resolveVariablesDocument(step, deps.inputs, limits.variablesBytes);
  const explicitModules = await Promise.all(
    (step.modules ?? []).map(async (m, i) => ({
      ...m,
      ...(await resolveSource(deps.inputs, m.source, `/modules/${i}/source`, limits.moduleBytes)),
    }))
  );

  // Integrity (part 6): verify the template and its modules before substitution.
  const verdict = await (deps.integrity ?? DEFAULT_INTEGRITY)(
    integritySubject(step, script, explicitModules, variablesDoc, (key) =>
      deps.inputs.get(key, Math.max(limits.scriptBytes, limits.moduleBytes))
    )
  );
  if (!verdict.allowed) {
    const rejected = await storeRejection(
      deps,
      step,
      queuedAt,
      { code: 'integrity', message: verdict.reason },
      now,
      options.messageSha256
    );
    if (deps.attestor) {
      const prefix = (
        deps.prefixFor ?? ((a: StepAddress) => resultPrefix(a.deploymentId, a.stepId))
      )(step);
      await storeAttestation(deps.attestor, deps.results, prefix, {
        step,
        verdict,
        result: rejected,
      });
    }
    return rejected;
  }

  const previous = await previousOutputs(step, deps);

  // Render.
  const vars = buildVariables(step, { ...previous, ...variablesDoc });
  const rendered = renderChecked(verdict, step.syntax, script.text, (text) =>
    evaluate(text, vars.raw)
  );
  const parameters =
    step.parameters !== undefined
      ? evaluate(step.parameters, vars.raw)
      : (getVariable(vars.evaluated, 'Octopus.Action.Script.ScriptParameters') ?? '');
  const modules = collectModules(explicitModules, vars);
  const masker = maskerFor(vars);

  const bootstrapper = { ...BOOTSTRAPPERS, ...deps.bootstrappers }[step.syntax];
  if (!bootstrapper) {
    throw new InputError(
      'unsupported-syntax',
      '/syntax',
      `No bootstrapper for ${step.syntax} steps on this worker`
    );
  }
  const suppressEnv = isTrue(
    getVariable(vars.evaluated, 'Octopus.Action.Script.SuppressEnvironmentLogging')
  );

  const dirs = await deps.host.prepare();
  try {
    const plan = bootstrapper({
      script: rendered,
      variables: vars.evaluated,
      rawVariables: vars.raw,
      modules,
      parameters,
      environment: suppressEnv ? undefined : deps.host.environmentInfo(),
      dirs,
      ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    });
    for (const value of plan.maskValues) masker.add(value);
    await deps.host.writeFiles(plan.files);
    return await runAndStore(step, deps, options, {
      dirs,
      plan,
      vars,
      masker,
      queuedAt,
      now,
      config,
      verdict,
      rendered,
    });
  } finally {
    // The result is stored by now: a directory that cannot be deleted must not replace it.
    await deps.host.cleanup(dirs).catch((error: unknown) => {
      process.emitWarning(`Could not delete step directory: ${(error as Error).message}`);
    });
  }
}

interface Prepared {
  dirs: StepDirs;
  plan: BootstrapPlan;
  vars: StepVariables;
  masker: Masker;
  queuedAt: Date;
  now: () => Date;
  config: PipelineConfig;
  verdict: IntegrityVerdict;
  rendered: string;
}

async function runAndStore(
  step: StepMessage,
  deps: PipelineDeps,
  options: RunOptions,
  p: Prepared
): Promise<StepResult> {
  const { limits } = p.config;
  const logFile = deps.host.openLog(p.dirs);
  const buffer = new LogBuffer(limits.logEntries, limits.logBytes);
  const collector = new OutputCollector(p.masker, (entry) => {
    buffer.add(entry);
    logFile.append(formatLogLine(p.now(), entry));
    options.onLog?.(entry);
  });
  const reportedProgress = { count: 0 };
  // What an Audit policy would have refused is said in the step's own log, not only in the
  // attestation.
  if (p.verdict.allowed) for (const note of p.verdict.notes) collector.system('warning', note);
  const secretFiles = p.plan.secretFiles ?? [];
  if (secretFiles.length > 0) collector.onLoaded = () => deps.host.discard(secretFiles);

  const requestedSeconds = step.timeoutSeconds ?? p.config.defaultTimeoutSeconds;
  let timeoutMs = requestedSeconds * 1000;
  if (options.deadlineAt !== undefined) {
    const left = options.deadlineAt - Date.now() - p.config.graceMs;
    timeoutMs = Math.max(0, Math.min(timeoutMs, left));
  }
  const timeout = { requestedSeconds, effectiveSeconds: Math.floor(timeoutMs / 1000) };
  if (timeoutMs < requestedSeconds * 1000) {
    // Said first, so that a step stopped at the cap is not a surprise; a warning when the
    // step's own timeout could not be honoured, a verbose note when it only had the default
    // (which, at 60 min, every step without a timeout would otherwise print on Lambda).
    const cap = `this step may run at most ${formatMinutesSeconds(timeout.effectiveSeconds)} here (what is left of the worker's time limit)`;
    if (step.timeoutSeconds !== undefined) {
      collector.system(
        'warning',
        `Timeout: the step asks for ${formatMinutesSeconds(requestedSeconds)}, but ${cap}.`
      );
    } else {
      collector.system(
        'verbose',
        `Timeout: ${cap}; the default is ${formatMinutesSeconds(requestedSeconds)}.`
      );
    }
  }
  const spawned: { at?: Date } = {};
  const outcome = await deps.host.execute({
    syntax: p.plan.interpreter,
    entry: p.plan.entry,
    timeoutMs,
    graceMs: p.config.graceMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onStart: () => {
      spawned.at = p.now();
      options.mark?.('spawned');
    },
    onLine: (stream, line) => {
      collector.line(stream, line);
      while (reportedProgress.count < collector.progress.length) {
        const update = collector.progress[reportedProgress.count++];
        if (update) options.onProgress?.(update);
      }
    },
  });
  options.mark?.('exited');
  collector.end();
  if (collector.progressOmitted > 0) {
    collector.system(
      'warning',
      `${collector.progressOmitted} progress updates past the first 1000 were not kept`
    );
  }

  const decision = decideStatus({
    ...outcome,
    failOnErrorOutput: isTrue(
      getVariable(p.vars.evaluated, 'Octopus.Action.FailScriptOnErrorOutput')
    ),
    sawErrorOutput: collector.sawErrorOutput,
  });
  if (decision.error) collector.system('error', decision.error.message);
  const outputVariables = Object.fromEntries(collector.outputVariables);
  if (decision.exitCode !== null) {
    outputVariables['Octopus.Action.Script.ExitCode'] = {
      value: String(decision.exitCode),
      sensitive: false,
    };
  }

  const prefix = (deps.prefixFor ?? ((a: StepAddress) => resultPrefix(a.deploymentId, a.stepId)))(
    step
  );
  const artifacts = await storeArtifacts(deps, p, prefix, collector);
  const log = await logFile.close();
  const logKey = `${prefix}log.txt`;
  if (typeof log === 'string') await deps.results.putFile(logKey, log, 'text/plain; charset=utf-8');
  else await deps.results.put(logKey, log, 'text/plain; charset=utf-8');

  const finishedAt = p.now();
  const started = spawned.at;
  const result: StepResult = {
    schemaVersion: 1,
    deploymentId: step.deploymentId,
    stepId: step.stepId,
    stepName: step.stepName ?? step.stepId,
    status: decision.status,
    exitCode: decision.exitCode,
    ...(collector.resultMessage !== undefined ? { failureMessage: collector.resultMessage } : {}),
    ...(decision.error ? { error: decision.error } : {}),
    outputVariables,
    artifacts,
    log: buffer.finish('log.txt'),
    ...(buffer.entriesOmitted > 0
      ? {
          logTruncated: {
            entriesOmitted: buffer.entriesOmitted,
            bytesOmitted: buffer.bytesOmitted,
          },
        }
      : {}),
    logPath: deps.results.locate(logKey),
    progress: collector.progress,
    timeout,
    ...(options.messageSha256 ? { messageSha256: options.messageSha256 } : {}),
    timings: {
      queuedAt: p.queuedAt.toISOString(),
      startedAt: started ? started.toISOString() : null,
      finishedAt: finishedAt.toISOString(),
      durationMs: started ? finishedAt.getTime() - started.getTime() : 0,
    },
  };
  await options.beforeResult?.();
  await deps.results.put(
    `${prefix}result.json`,
    JSON.stringify(result, null, 2),
    'application/json'
  );
  if (deps.attestor) {
    await storeAttestation(deps.attestor, deps.results, prefix, {
      step,
      verdict: p.verdict,
      variables: p.vars,
      rendered: p.rendered,
      result,
    });
  }
  options.mark?.('stored');
  return result;
}

async function storeArtifacts(
  deps: PipelineDeps,
  p: Prepared,
  prefix: string,
  collector: OutputCollector
): Promise<ArtifactRecord[]> {
  const records: ArtifactRecord[] = [];
  const { limits } = p.config;
  // Names and paths come from the script: masked like its log before they are stored.
  const mask = (text: string) => collector.masker.apply(text);
  for (const [index, announced] of collector.artifacts.entries()) {
    const artifact = { ...announced, name: mask(announced.name) };
    if (index >= limits.artifactCount) {
      records.push({
        name: artifact.name,
        refused: `more than ${limits.artifactCount} artifacts`,
        sourcePath: mask(artifact.path),
      });
      continue;
    }
    const resolved = await deps.host.resolveArtifact(p.dirs, announced.path, limits.artifactBytes);
    if (resolved.kind === 'missing') {
      collector.system(
        'warning',
        `Artifact ${artifact.name} was not collected: there is no file at '${artifact.path}'`
      );
      records.push({ name: artifact.name, missing: true, sourcePath: mask(artifact.path) });
    } else if (resolved.kind === 'refused') {
      collector.system('warning', `Artifact ${artifact.name} was refused: ${resolved.reason}`);
      records.push({
        name: artifact.name,
        refused: resolved.reason,
        sourcePath: mask(artifact.path),
      });
    } else {
      const key = `${prefix}artifacts/${index + 1}-${safeArtifactFileName(artifact.name)}`;
      await deps.results.putFile(key, resolved.realPath);
      records.push({
        name: artifact.name,
        path: deps.results.locate(key),
        size: resolved.size,
        sha256: resolved.sha256,
        sourcePath: mask(artifact.path),
      });
    }
  }
  return records;
}

async function resolveVariablesDocument(step: StepMessage, inputs: ObjectStore, maxBytes: number) {
  if (!step.variables) return {};
  if ('inline' in step.variables) return step.variables.inline;
  const source = await resolveSource(inputs, { key: step.variables.key }, '/variables', maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(source.text);
  } catch (error) {
    throw new InputError(
      'input-invalid',
      '/variables',
      `/variables: object '${step.variables.key}' is not valid JSON: ${(error as Error).message}`
    );
  }
  return parseVariablesDocument(value, '/variables');
}

/** Output variables of earlier steps, named as Octopus shows them to later steps. */
async function previousOutputs(
  step: StepMessage,
  deps: PipelineDeps
): Promise<Record<string, VariableValue>> {
  const vars: Record<string, VariableValue> = {};
  const prefixFor = deps.prefixFor ?? ((a: StepAddress) => resultPrefix(a.deploymentId, a.stepId));
  for (const [index, stepId] of (step.previousSteps ?? []).entries()) {
    const field = `/previousSteps/${index}`;
    const key = `${prefixFor({ deploymentId: step.deploymentId, stepId })}result.json`;
    const body = await deps.results.get(key, 64 << 20);
    if (!body)
      throw new InputError('input-missing', field, `${field}: step '${stepId}' has no result yet`);
    let earlier: StepResult;
    try {
      earlier = JSON.parse(body.toString('utf8')) as StepResult;
    } catch {
      throw new InputError(
        'input-invalid',
        field,
        `${field}: the result of step '${stepId}' is not valid JSON`
      );
    }
    const name = earlier.stepName ?? stepId;
    for (const [output, v] of Object.entries(earlier.outputVariables ?? {})) {
      vars[`Octopus.Action[${name}].Output.${output}`] = { value: v.value, sensitive: v.sensitive };
    }
  }
  return vars;
}

function maskerFor(vars: StepVariables): Masker {
  const masker = new Masker();
  if (vars.sensitiveNames.size === 0) return masker;
  const sensitive = new Set([...vars.sensitiveNames].map((n) => n.toLowerCase()));
  for (const name of Object.keys(vars.raw)) {
    if (!sensitive.has(name.toLowerCase())) continue;
    masker.add(vars.raw[name]);
    masker.add(vars.evaluated[name]);
  }
  return masker;
}

function storeRejection(
  deps: PipelineDeps,
  address: StepAddress,
  queuedAt: Date,
  error: { code: string; message: string },
  now: () => Date,
  messageSha256: string | undefined
): Promise<StepResult> {
  return storeUnrun(deps, address, 'rejected', queuedAt, error, now, messageSha256);
}

/** Stores the result of a step that never ran: rejected, or cancelled before it started. */
export async function storeUnrun(
  deps: PipelineDeps,
  address: StepAddress,
  status: 'rejected' | 'cancelled',
  queuedAt: Date,
  error: { code: string; message: string },
  now: () => Date = () => new Date(),
  messageSha256?: string
): Promise<StepResult> {
  const finishedAt = now();
  const result: StepResult = {
    schemaVersion: 1,
    deploymentId: address.deploymentId,
    stepId: address.stepId,
    status,
    exitCode: null,
    error,
    outputVariables: {},
    artifacts: [],
    log: [{ stream: 'system', level: 'error', text: error.message }],
    progress: [],
    ...(messageSha256 ? { messageSha256 } : {}),
    timings: {
      queuedAt: queuedAt.toISOString(),
      startedAt: null,
      finishedAt: finishedAt.toISOString(),
      durationMs: 0,
    },
  };
  const prefix = (deps.prefixFor ?? ((a: StepAddress) => resultPrefix(a.deploymentId, a.stepId)))(
    address
  );
  await deps.results.put(
    `${prefix}result.json`,
    JSON.stringify(result, null, 2),
    'application/json'
  );
  return result;
}

/** "14 min 50 s", "45 s", "2 min": how long a step may run, as its log says it. */
export function formatMinutesSeconds(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m === 0) return `${s} s`;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}
