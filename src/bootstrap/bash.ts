import * as path from 'node:path';
import { BASH_HELPERS } from './bash-helpers';
import {
  LOADED_MESSAGE,
  moduleFileStem,
  toLf,
  type BootstrapInput,
  type BootstrapPlan,
} from './plan';
import { stepEnvironment } from './step-environment';

/**
 * How a bash interpreter waits for its step: it reads the bootstrap's path from stdin and
 * sources it. Nothing about the step exists in the process until then.
 */
export const BASH_LAUNCHER_ARGS = [
  '--noprofile',
  '--norc',
  '-c',
  'IFS= read -r __tp_boot || exit 125; source "$__tp_boot"',
  'tidepool-bash',
];

/** Quotes a value for bash as one word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** name NUL value NUL ..., read by the bootstrap with `read -d ''`; bash keys cannot be empty. */
export function encodeVariablesFile(variables: Record<string, string>): Buffer {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (name === '' || name.includes('\0')) continue;
    parts.push(name, value.replace(/\0/g, ''));
  }
  return Buffer.from(parts.length ? parts.join('\0') + '\0' : '', 'utf8');
}

function environmentBlock(input: BootstrapInput): string {
  const env = input.environment;
  if (!env) return '';
  const lines = [
    'Bash Environment Information:',
    `  OperatingSystem: ${env.operatingSystem}`,
    `  CurrentUser: ${env.currentUser}`,
    `  HostName: ${env.hostName}`,
    `  ProcessorCount: ${env.processorCount}`,
    `  CurrentDirectory: ${input.dirs.work}`,
    `  TempDirectory: ${input.dirs.tmp}`,
  ];
  return [
    `printf '%s\\n' '##octopus[stdout-verbose]' ${lines.map(shellQuote).join(' ')} "  HostProcessID: $$" '##octopus[stdout-default]'`,
  ].join('\n');
}

function wantsParametersArray(input: BootstrapInput): boolean {
  const marker = 'octopus_parameters[';
  return (
    input.script.includes(marker) ||
    input.modules.some((m) => m.syntax === 'bash' && m.text.includes(marker))
  );
}

/**
 * Lays out a bash step as Calamari does, but without its encryption: variables travel in a
 * 0600 file that the bootstrap reads and deletes before the user script starts.
 */
export function buildBashBootstrap(input: BootstrapInput): BootstrapPlan {
  const { dirs } = input;
  const scriptPath = path.join(dirs.work, 'Script.sh');
  const variablesPath = path.join(dirs.boot, 'variables');
  const rawPath = path.join(dirs.boot, 'parameters');
  const bootstrapPath = path.join(dirs.boot, 'bootstrap.sh');
  const envPath = path.join(dirs.boot, 'env');
  const withArray = wantsParametersArray(input);

  const files: BootstrapPlan['files'] = [
    { path: variablesPath, content: encodeVariablesFile(input.variables), mode: 0o600 },
    { path: scriptPath, content: toLf(input.script), mode: 0o644 },
  ];
  const extraEnv = Object.entries(input.extraEnv ?? {});
  if (extraEnv.length > 0) {
    files.push({
      path: envPath,
      content: encodeVariablesFile(Object.fromEntries(extraEnv)),
      mode: 0o600,
    });
  }
  if (withArray) {
    files.push({ path: rawPath, content: encodeVariablesFile(input.rawVariables), mode: 0o600 });
  }
  for (const module of input.modules) {
    if (module.syntax !== 'bash') continue;
    const stem = moduleFileStem(module.name);
    files.push({
      path: path.join(dirs.work, `${stem}.sh`),
      content: toLf(module.text),
      mode: 0o644,
    });
  }

  const bootstrap = [
    '# Tidepool bash bootstrap: the step environment, helpers, variables, then the user',
    '# script, sourced. The interpreter was started before the step and knows nothing of it.',
    'unset __tp_boot',
    `export ${stepEnvironment(dirs, 'bash')
      .map(([name, value]) => `${name}=${shellQuote(value)}`)
      .join(' ')}`,
    `cd ${shellQuote(dirs.work)} || exit 125`,
    'export PWD; unset OLDPWD',
    extraEnv.length > 0
      ? `while IFS= read -r -d '' __tp_k && IFS= read -r -d '' __tp_v; do export "$__tp_k=$__tp_v"; done < ${shellQuote(envPath)}; unset __tp_k __tp_v`
      : '',
    BASH_HELPERS,
    `__tp_load_variables __tp_vars ${shellQuote(variablesPath)}`,
    withArray ? `__tp_load_variables octopus_parameters ${shellQuote(rawPath)}` : '',
    // The worker deletes the variables and credentials files on this line (no fork for rm).
    `printf '%s\\n' '##octopus[${LOADED_MESSAGE}]'`,
    environmentBlock(input),
    // The parameters are script text by contract: Octopus pastes them after the source line.
    `source ${shellQuote(scriptPath)} ${toLf(input.parameters).replace(/\n/g, ' ')}`,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  files.push({ path: bootstrapPath, content: bootstrap + '\n', mode: 0o600 });

  return {
    interpreter: 'bash',
    files,
    entry: bootstrapPath,
    maskValues: extraEnv.filter(([name]) => /SECRET|TOKEN|PASSWORD/i.test(name)).map(([, v]) => v),
    secretFiles: [
      variablesPath,
      ...(withArray ? [rawPath] : []),
      ...(extraEnv.length > 0 ? [envPath] : []),
    ],
  };
}
