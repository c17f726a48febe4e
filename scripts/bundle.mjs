// @ts-check
// Bundles the Lambda handler with esbuild: one minified file with its source map. The AWS SDK
// is bundled too, so the deployed code runs the SDK version the tests ran. node24: Lambda's
// nodejs24.x runtime.
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const outfile = 'dist/bundle/step-runner/handler.js';
await build({
  entryPoints: ['functions/step-runner/handler.ts'],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  keepNames: true,
  outfile,
  logLevel: 'warning',
  legalComments: 'linked',
});
console.log(`bundle: ${outfile} ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
