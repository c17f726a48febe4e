import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StepResult } from '../../src/step/result';

export interface Scenario {
  name: string;
  syntax: 'PowerShell' | 'Bash';
  script: string;
  variables: Record<string, string>;
  sensitiveVariables?: string[];
  featureToggles?: string[];
  expect: {
    outputVariables: Record<string, string>;
    artifacts: string[];
    status: 'success' | 'failed';
    logContains: string[];
    logNotContains: string[];
    exitCode?: number;
    sensitiveOutputVariables?: string[];
    artifactDetails?: Array<{ name: string; length?: number; pathEndsWith?: string }>;
    progress?: Array<{ percentage: number; message: string }>;
    resultMessage?: string | null;
    logLevels?: Array<{ level: string; text: string }>;
  };
}

export function loadScenarios(syntax: Scenario['syntax']): Scenario[] {
  const file = path.join(__dirname, '..', 'data', 'octopus', 'scenarios.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as Scenario[];
  return all.filter((s) => s.syntax === syntax);
}

/** Variables as a vars.json document, with the scenario's sensitive names marked. */
export function variablesDocument(s: Scenario): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(s.variables)) {
    doc[name] = s.sensitiveVariables?.includes(name) ? { value, sensitive: true } : value;
  }
  return doc;
}

/** Checks a result against a scenario's expectations, as contract section 9 defines them. */
export function expectScenario(result: StepResult, e: Scenario['expect']): void {
  const texts = result.log.map((l) => l.text);
  const joined = texts.join('\n');
  expect(result.status).toBe(e.status === 'success' ? 'succeeded' : 'failed');
  if (e.exitCode !== undefined) {
    expect(result.exitCode).toBe(e.exitCode);
    expect(result.outputVariables['Octopus.Action.Script.ExitCode']?.value).toBe(
      String(e.exitCode)
    );
  }
  for (const [name, value] of Object.entries(e.outputVariables)) {
    expect(result.outputVariables[name]?.value).toBe(value);
  }
  for (const name of e.sensitiveOutputVariables ?? []) {
    expect(result.outputVariables[name]?.sensitive).toBe(true);
  }
  expect(result.artifacts.map((a) => a.name)).toEqual(e.artifacts);
  for (const detail of e.artifactDetails ?? []) {
    const artifact = result.artifacts.find((a) => a.name === detail.name);
    expect(artifact).toBeDefined();
    if (artifact && 'size' in artifact && detail.length !== undefined)
      expect(artifact.size).toBe(detail.length);
    if (detail.pathEndsWith !== undefined)
      expect(artifact?.sourcePath.endsWith(detail.pathEndsWith)).toBe(true);
  }
  if (e.progress) expect(result.progress).toEqual(e.progress);
  if (e.resultMessage !== undefined)
    expect(result.failureMessage).toBe(e.resultMessage ?? undefined);
  for (const text of e.logContains) expect(joined).toContain(text);
  for (const text of e.logNotContains) expect(joined).not.toContain(text);
  for (const { level, text } of e.logLevels ?? []) {
    expect(result.log.filter((l) => l.text === text).map((l) => l.level)).toContain(level);
  }
}
