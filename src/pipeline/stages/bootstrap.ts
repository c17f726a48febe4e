// Bootstrap: the bash or PowerShell bootstrap of the rendered step, written into its
// directories (Calamari's bootstrapper, as pure text generation plus one write).

import { buildBashBootstrap } from '../../bootstrap/bash';
import { buildPowerShellBootstrap } from '../../bootstrap/powershell';
import type { BootstrapPlan, StepDirs } from '../../bootstrap/plan';
import { getVariable, isTrue } from '../../rules/octopus-variables';
import { InputError } from '../../step/errors';
import type { Syntax } from '../../step/types';
import type { Bootstrapper, PipelineDeps } from '../deps';
import type { Rendered } from './render';

const BOOTSTRAPPERS: Partial<Record<Syntax, Bootstrapper>> = {
  bash: buildBashBootstrap,
  powershell: buildPowerShellBootstrap,
};

/** The bootstrapper for a syntax; a worker without one refuses the step before it starts. */
export function bootstrapperFor(syntax: Syntax, deps: PipelineDeps): Bootstrapper {
  const bootstrapper = { ...BOOTSTRAPPERS, ...deps.bootstrappers }[syntax];
  if (!bootstrapper) {
    throw new InputError(
      'unsupported-syntax',
      '/syntax',
      `No bootstrapper for ${syntax} steps on this worker`
    );
  }
  return bootstrapper;
}

/** Plans the bootstrap, masks what it adds to mask, and writes its files. */
export async function writeBootstrap(
  bootstrapper: Bootstrapper,
  rendered: Rendered,
  dirs: StepDirs,
  deps: PipelineDeps,
  extraEnv: Record<string, string> | undefined
): Promise<BootstrapPlan> {
  const { vars } = rendered;
  const suppressEnv = isTrue(
    getVariable(vars.evaluated, 'Octopus.Action.Script.SuppressEnvironmentLogging')
  );
  const plan = bootstrapper({
    script: rendered.script,
    variables: vars.evaluated,
    rawVariables: vars.raw,
    modules: rendered.modules,
    parameters: rendered.parameters,
    environment: suppressEnv ? undefined : deps.host.environmentInfo(),
    dirs,
    ...(extraEnv ? { extraEnv } : {}),
  });
  for (const value of plan.maskValues) rendered.masker.add(value);
  await deps.host.writeFiles(plan.files);
  return plan;
}
