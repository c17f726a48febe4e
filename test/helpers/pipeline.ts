import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type PipelineConfig } from '../../src/pipeline/config';
import type { PipelineDeps, RunOptions } from '../../src/pipeline/deps';
import { runStep } from '../../src/pipeline/run-step';
import { LocalHost } from '../../src/run/local-host';
import { FsObjectStore } from '../../src/store/fs-store';
import type { StepMessage } from '../../src/step/types';
import { tempDir } from './cli';

export interface Harness {
  root: string;
  inputsDir: string;
  resultsDir: string;
  stepsDir: string;
  deps: PipelineDeps;
  /** Puts a file into the input store. */
  input(key: string, body: string): void;
  run(message: unknown, options?: RunOptions): ReturnType<typeof runStep>;
}

export function harness(config: Partial<PipelineConfig> = {}): Harness {
  const root = tempDir('tidepool-pipeline-');
  const inputsDir = path.join(root, 'inputs');
  const resultsDir = path.join(root, 'results');
  const stepsDir = path.join(root, 'steps');
  mkdirSync(inputsDir);
  const deps: PipelineDeps = {
    inputs: new FsObjectStore(inputsDir),
    results: new FsObjectStore(resultsDir),
    host: new LocalHost(stepsDir),
    config: {
      ...DEFAULT_CONFIG,
      ...config,
      limits: { ...DEFAULT_CONFIG.limits, ...config.limits },
    },
  };
  return {
    root,
    inputsDir,
    resultsDir,
    stepsDir,
    deps,
    input(key, body) {
      const file = path.join(inputsDir, ...key.split('/'));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, body);
    },
    run: (message, options) => runStep(message, deps, options),
  };
}

export function bashStep(script: string, extra: Partial<StepMessage> = {}): StepMessage {
  return {
    schemaVersion: 1,
    deploymentId: 'deploy-1',
    stepId: `step-${Math.random().toString(36).slice(2, 10)}`,
    syntax: 'bash',
    script: { inline: script },
    ...extra,
  };
}
