import type { Syntax } from '../step/types';

export interface PlannedFile {
  /** Absolute path. */
  path: string;
  content: string | Buffer;
  /** Octal permission bits; variables files are 0o600. */
  mode: number;
}

/** What the runner must write and start. Pure data: the runner does the I/O. */
export interface BootstrapPlan {
  interpreter: Syntax;
  files: PlannedFile[];
  /** The file the waiting interpreter's launcher runs: handed over on its stdin. */
  entry: string;
  /** Values the worker itself must mask (e.g. transport secrets), beyond the variables. */
  maskValues: string[];
  /**
   * Files holding variables or credentials that the worker deletes as soon as the bootstrap
   * says it has read them (the `tidepool-loaded` service message), as the script starts.
   */
  secretFiles?: string[];
}

export interface ScriptModule {
  name: string;
  syntax: Syntax;
  text: string;
}

/** Facts about the host, written into the verbose environment block without forking. */
export interface EnvironmentInfo {
  operatingSystem: string;
  currentUser: string;
  hostName: string;
  processorCount: number;
}

export interface StepDirs {
  /** The script's working directory: the script and modules live here. */
  work: string;
  /** Worker-private files (bootstrap, variables); not the script's business. */
  boot: string;
  home: string;
  tmp: string;
}

export interface BootstrapInput {
  /** The rendered script body. */
  script: string;
  /** Evaluated variable values, as scripts read them. */
  variables: Record<string, string>;
  /** Raw values (before substitution), for Bash's `octopus_parameters`. */
  rawVariables: Record<string, string>;
  modules: ScriptModule[];
  parameters: string;
  /** Omitted when `Octopus.Action.Script.SuppressEnvironmentLogging` is True. */
  environment: EnvironmentInfo | undefined;
  dirs: StepDirs;
  /** Environment variables for this step alone (e.g. an assumed role's credentials). */
  extraEnv?: Record<string, string>;
}

/** The service message a bootstrap prints once it has read its variables. */
export const LOADED_MESSAGE = 'tidepool-loaded';

export function toLf(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** A module name as a file name: letters, digits and `_` only (Calamari's rule); else `Module`. */
export function moduleFileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '') || 'Module';
}
