// @ts-check
// `npm run package [-- osls options]`: the handler bundle, then `osls package` into .serverless/
// (CloudFormation template and zips), offline and with no AWS account. Options go to osls:
// `npm run package -- --stage prod --param="architecture=arm64"`.
//
// The layer: resolving serverless.yml (scripts/template-params.cjs, layerArtifact) builds
// dist/layers/script-runtime-<architecture>.zip when it is missing, older than any file under
// layers/script-runtime/, or of another architecture, so `osls deploy` run directly gets the
// same guarantee. osls asks CloudFormation whether an unchanged layer was uploaded before; a
// stub on 127.0.0.1 answers "no such stack", so it packages everything fresh.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(
      `package: ${command} ${args.join(' ')} failed (${result.status ?? result.signal})`
    );
    process.exit(result.status ?? 1);
  }
}

run(process.execPath, ['scripts/bundle.mjs']);

const stub = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(
      '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>' +
        '<Code>ValidationError</Code><Message>Stack with id tidepool-dev does not exist</Message></Error>' +
        '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>'
    );
  });
});
await new Promise((resolve) => stub.listen(0, '127.0.0.1', () => resolve(undefined)));
const { port } = /** @type {import('node:net').AddressInfo} */ (stub.address());
// Not spawnSync: the stub in this process must keep answering while osls runs.
/** @type {(command: string, args: string[], env: NodeJS.ProcessEnv) => Promise<number>} */
const runAsync = (command, args, env) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
let code = 1;
try {
  code = await runAsync('node_modules/.bin/osls', ['package', ...process.argv.slice(2)], {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLY00000',
    AWS_SECRET_ACCESS_KEY: 'package-only',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${port}`,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  });
} finally {
  stub.close();
}
if (code !== 0) {
  console.error(`package: osls package failed (${code})`);
  process.exit(code);
}
console.log('package: .serverless/cloudformation-template-update-stack.json and zips are ready');
