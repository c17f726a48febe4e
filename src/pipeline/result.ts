// The result types live in src/step/result.ts, the contract that src/integrity may import too;
// re-exported here for this module's many readers.
export type { ArtifactRecord, StepResult } from '../step/result';
