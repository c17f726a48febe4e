// The step message, schema version 1 (schemas/step.schema.json is the published form).

export type Syntax = 'bash' | 'powershell';

export type Source = { inline: string } | { key: string };

export type VariableValue = string | null | { value: string | null; sensitive?: boolean };

export interface ModuleSpec {
  name: string;
  syntax: Syntax;
  source: Source;
}

export interface StepMessage {
  schemaVersion: 1;
  deploymentId: string;
  stepId: string;
  stepName?: string;
  syntax: Syntax;
  script: Source;
  variables?: { inline: Record<string, VariableValue> } | { key: string };
  sensitiveVariables?: string[];
  modules?: ModuleSpec[];
  parameters?: string;
  timeoutSeconds?: number;
  queuedAt?: string;
  /** Script integrity for this step (part 6): may tighten the worker's policy, never loosen it. */
  integrity?: {
    policy?: 'Unrestricted' | 'RemoteSigned' | 'AllSigned' | 'Restricted';
    mode?: 'Audit' | 'Enforce';
    verbatim?: boolean;
  };
  previousSteps?: string[];
  scriptRoleArn?: string;
}

/** Ids a message carries even when the rest of it is invalid: enough to store a rejection. */
export interface StepAddress {
  deploymentId: string;
  stepId: string;
}
