// @ts-check
// The parts of serverless.yml that plain YAML cannot say: statements that exist only when a
// param is set, lists from comma-separated params, the layer artifact rebuilt when stale, and
// checks that stop `osls package` / `osls deploy` / `osls print` with one error naming every
// param at fault. osls resolves `${file(./scripts/template-params.cjs):<name>}` by calling the
// function exported as <name>. The template itself stays free of Fn::If in IAM documents.
/* global require, module, __dirname, process -- CommonJS on Node: osls require()s this file */
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';

const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ARCHITECTURES = ['x86_64', 'arm64'];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
// A role ARN pattern as IAM matches it in Resource: `*` (any run of characters) or `?` (one)
// in the role path and name, `*` for the account, but always a role ARN (no bare `*`). No
// looser than what the worker accepts in TIDEPOOL_ALLOWED_SCRIPT_ROLES (src/worker/config.ts).
const ROLE_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[\w+=.@/*?-]+$/;
const SUBNET = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP = /^sg-[0-9a-f]+$/;

/**
 * osls's resolver for the other sources of a variable (`param:name`, `self:path`).
 * @typedef {{ resolveVariable: (address: string) => Promise<unknown> }} ResolverContext
 */

/**
 * The params, read and checked.
 * @typedef {object} Params
 * @property {number} poolSize
 * @property {number} reservedConcurrency
 * @property {string} architecture
 * @property {number} ephemeralStorageSize
 * @property {string} logLevel
 * @property {number} maxQueueAgeSeconds
 * @property {number} inputRetentionDays
 * @property {number} resultRetentionDays
 * @property {string[]} subnets
 * @property {string[]} securityGroups
 * @property {string[]} scriptRoles
 * @property {string} trustStore
 * @property {string} [trustStorePackaged] its path in the function's zip
 * @property {string} [trustStoreDigest]
 * @property {string} alarmTopicArn
 * @property {string} alarmEmail
 */

class ParamsError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(
      `serverless.yml params: ${problems.join('; ')}. ` +
        'Set them with --param="<name>=<value>" or under params: in serverless.yml (docs/deploy.md).'
    );
    // osls prints the stack of a rejected resolver; the message is what the user needs.
    this.stack = this.message;
  }
}

/** @param {unknown} raw a comma-separated param */
const list = (raw) =>
  String(raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** @type {Promise<Params> | undefined} */
let checked;
let reported = false;
/**
 * Reads every param once per osls run and checks them all; throws one error for all.
 * @param {ResolverContext['resolveVariable']} resolveVariable
 * @returns {Promise<Params>}
 */
function params(resolveVariable) {
  checked ??= readParams(resolveVariable).catch((/** @type {unknown} */ error) => {
    // osls resolves `param:` in a later pass and asks again (MISSING_VARIABLE_DEPENDENCY):
    // only a result or a verdict on the params is kept.
    if (!(error instanceof ParamsError)) checked = undefined;
    throw error;
  });
  return checked.catch((error) => {
    // osls lists the failure of every variable that uses a param: the problems once, then a
    // pointer to them.
    if (!(error instanceof ParamsError) || !reported) {
      reported ||= error instanceof ParamsError;
      throw error;
    }
    const short = new Error('invalid params (see the first error)');
    short.stack = short.message;
    throw short;
  });
}

/**
 * @param {ResolverContext['resolveVariable']} resolveVariable
 * @returns {Promise<Params>}
 */
async function readParams(resolveVariable) {
  const names = [
    'poolSize',
    'reservedConcurrency',
    'architecture',
    'ephemeralStorageSize',
    'logLevel',
    'vpcSubnetIds',
    'vpcSecurityGroupIds',
    'scriptRoles',
    'trustStore',
    'alarmTopicArn',
    'alarmEmail',
    'maxQueueAgeSeconds',
    'inputRetentionDays',
    'resultRetentionDays',
  ];
  /** @type {Record<string, unknown>} */
  const raw = {};
  for (const name of names) raw[name] = await resolveVariable(`param:${name}`);
  // Each reader in turn fills in its params and adds what it finds wrong to `problems`.
  const r = { raw, p: /** @type {Params} */ ({}), problems: /** @type {string[]} */ ([]) };
  for (const read of [readSizes, readNetwork, readScriptRoles, readTrustStore, readAlarms]) read(r);
  if (r.problems.length > 0) throw new ParamsError(r.problems);
  return r.p;
}

/** @typedef {{ raw: Record<string, unknown>, p: Params, problems: string[] }} Reading */

/**
 * A whole number from min to max; min, and a problem, when the param is anything else.
 * @param {Reading} r
 * @param {string} name
 * @param {number} min
 * @param {number} max
 */
function whole(r, name, min, max) {
  const text = String(r.raw[name] ?? '').trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < min || value > max) {
    r.problems.push(`${name} must be a whole number from ${min} to ${max}, got '${text}'`);
    return min;
  }
  return value;
}

/**
 * The pool, its concurrency, architecture, storage, log level, queue age and retention.
 * @param {Reading} r
 */
function readSizes(r) {
  const { raw, p, problems } = r;
  p.poolSize = whole(r, 'poolSize', 2, 1000);
  if (String(raw.reservedConcurrency ?? '').trim() === '') {
    p.reservedConcurrency = p.poolSize;
  } else {
    p.reservedConcurrency = whole(r, 'reservedConcurrency', 1, 100000);
    if (p.reservedConcurrency < p.poolSize) {
      problems.push(
        `reservedConcurrency (${p.reservedConcurrency}) must be at least poolSize (${p.poolSize}): ` +
          'the queue would hand the function more steps at once than it may run, and every ' +
          'throttled step costs a receive on its way to the dead-letter queue; raise ' +
          'reservedConcurrency or leave it empty (= poolSize)'
      );
    }
  }
  p.architecture = String(raw.architecture ?? '').trim();
  if (!ARCHITECTURES.includes(p.architecture)) {
    problems.push(`architecture must be x86_64 or arm64, got '${p.architecture}'`);
    p.architecture = 'x86_64';
  }
  p.ephemeralStorageSize = whole(r, 'ephemeralStorageSize', 512, 10240);
  p.logLevel = String(raw.logLevel ?? '')
    .trim()
    .toUpperCase();
  if (!LOG_LEVELS.includes(p.logLevel)) {
    problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got '${raw.logLevel}'`);
    p.logLevel = 'INFO';
  }
  p.maxQueueAgeSeconds = whole(r, 'maxQueueAgeSeconds', 60, 1209600);
  p.inputRetentionDays = whole(r, 'inputRetentionDays', 1, 36500);
  p.resultRetentionDays = whole(r, 'resultRetentionDays', 1, 36500);
}

/**
 * The VPC: subnets and security groups, both or neither.
 * @param {Reading} r
 */
function readNetwork(r) {
  const { raw, p, problems } = r;
  p.subnets = list(raw.vpcSubnetIds);
  p.securityGroups = list(raw.vpcSecurityGroupIds);
  if (p.subnets.length > 0 !== p.securityGroups.length > 0) {
    problems.push(
      'vpcSubnetIds and vpcSecurityGroupIds go together: give both (comma-separated) or neither'
    );
  }
  for (const id of p.subnets)
    if (!SUBNET.test(id)) problems.push(`vpcSubnetIds: '${id}' is not a subnet id (subnet-…)`);
  for (const id of p.securityGroups)
    if (!SECURITY_GROUP.test(id))
      problems.push(`vpcSecurityGroupIds: '${id}' is not a security group id (sg-…)`);
  if (p.subnets.length > 16) problems.push('vpcSubnetIds: at most 16 subnets');
  if (p.securityGroups.length > 5) problems.push('vpcSecurityGroupIds: at most 5 groups');
}

/**
 * The role ARN patterns steps may ask for.
 * @param {Reading} r
 */
function readScriptRoles(r) {
  const { raw, p, problems } = r;
  p.scriptRoles = list(raw.scriptRoles);
  for (const arn of p.scriptRoles) {
    if (!ROLE_PATTERN.test(arn)) {
      problems.push(
        `scriptRoles: '${arn}' is not an IAM role ARN pattern (arn:aws:iam::<account>:role/<name>, ` +
          '`*` allowed inside)'
      );
    }
  }
}

/**
 * The trust store packaged with the function: a JSON file inside the repository.
 * @param {Reading} r
 */
function readTrustStore(r) {
  const { raw, p, problems } = r;
  p.trustStore = String(raw.trustStore ?? '').trim();
  if (p.trustStore) {
    const file = path.resolve(ROOT, p.trustStore);
    const relative = path.relative(ROOT, file);
    if (path.isAbsolute(p.trustStore) || relative.startsWith('..')) {
      problems.push(
        `trustStore must be a path inside the repository (it is packaged with the function), got '${p.trustStore}'`
      );
    } else if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      problems.push(`trustStore: no file '${p.trustStore}'`);
    } else {
      const bytes = fs.readFileSync(file);
      try {
        JSON.parse(bytes.toString('utf8'));
        p.trustStorePackaged = relative.split(path.sep).join('/');
        p.trustStoreDigest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
      } catch (error) {
        problems.push(
          `trustStore: '${p.trustStore}' is not valid JSON (${/** @type {Error} */ (error).message})`
        );
      }
    }
  }
}

/**
 * Where alarms notify: the user's own topic, or an e-mail address for the stack's topic.
 * @param {Reading} r
 */
function readAlarms(r) {
  const { raw, p, problems } = r;
  p.alarmTopicArn = String(raw.alarmTopicArn ?? '').trim();
  p.alarmEmail = String(raw.alarmEmail ?? '').trim();
  if (p.alarmTopicArn && p.alarmEmail) {
    problems.push(
      'alarmTopicArn and alarmEmail exclude each other: subscribe the e-mail address to your topic, or drop alarmTopicArn to let the stack create one'
    );
  }
  if (p.alarmTopicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(p.alarmTopicArn))
    problems.push(`alarmTopicArn: '${p.alarmTopicArn}' is not an SNS topic ARN`);
  if (p.alarmEmail && !/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(p.alarmEmail))
    problems.push(`alarmEmail: '${p.alarmEmail}' is not an e-mail address`);
}

/**
 * The newest modification time of any file under dir (recursively).
 * @param {string} dir
 * @returns {number}
 */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Why dist/layers/script-runtime-<arch>.zip cannot be deployed as it is, or undefined.
 * @param {string} arch
 */
function staleLayer(arch) {
  const zip = path.join(ROOT, 'dist/layers', `script-runtime-${arch}.zip`);
  const manifest = path.join(ROOT, 'dist/layers', `script-runtime-${arch}.json`);
  if (!fs.existsSync(zip)) return `${path.relative(ROOT, zip)} is missing`;
  let built;
  try {
    built = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  } catch {
    return `its manifest ${path.relative(ROOT, manifest)} is missing or unreadable`;
  }
  if (built.arch !== arch) return `its manifest says ${built.arch}, not ${arch}`;
  const sources = path.join(ROOT, 'layers/script-runtime');
  if (newestMtime(sources) > fs.statSync(zip).mtimeMs)
    return 'layers/script-runtime/ changed after it was built';
  return undefined;
}

/**
 * Params serverless.yml takes as they are, once checked.
 * @type {Array<keyof Params>}
 */
const AS_GIVEN = [
  'poolSize',
  'reservedConcurrency',
  'architecture',
  'ephemeralStorageSize',
  'logLevel',
  'alarmEmail',
  'maxQueueAgeSeconds',
  'inputRetentionDays',
  'resultRetentionDays',
];

/** @type {Record<string, (context: ResolverContext) => Promise<unknown>>} */
module.exports = {
  ...Object.fromEntries(
    AS_GIVEN.map((name) => [
      name,
      /** @param {ResolverContext} context */
      async (context) => (await params(context.resolveVariable))[name],
    ])
  ),

  /** The worker role's statements: the fixed ones, and sts only when scriptRoles is set. */
  async workerStatements({ resolveVariable }) {
    const p = await params(resolveVariable);
    const fixed = /** @type {object[]} */ (
      await resolveVariable('self:custom.tidepool.workerStatements')
    );
    if (p.scriptRoles.length === 0) return fixed;
    return [
      ...fixed,
      {
        Sid: 'AssumeAllowedScriptRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Resource: p.scriptRoles,
      },
    ];
  },

  // The environment values below are null when unset: osls then leaves the variable out.

  /** The same comma-separated patterns, for the worker's own check (TIDEPOOL_ALLOWED_SCRIPT_ROLES). */
  async scriptRolesEnv({ resolveVariable }) {
    const { scriptRoles } = await params(resolveVariable);
    return scriptRoles.length > 0 ? scriptRoles.join(',') : null;
  },

  /** The function's VpcConfig, or null (no VPC) when neither list is given. */
  async vpc({ resolveVariable }) {
    const p = await params(resolveVariable);
    if (p.subnets.length === 0) return null;
    return { subnetIds: p.subnets, securityGroupIds: p.securityGroups };
  },

  /** What goes into the function's zip: the bundle, and the trust store when one is given. */
  async functionPatterns({ resolveVariable }) {
    const p = await params(resolveVariable);
    return [
      '!**',
      'dist/bundle/step-runner/**',
      ...(p.trustStorePackaged ? [p.trustStorePackaged] : []),
    ];
  },

  /** Where the packaged trust store is on Lambda (/var/task is the function's code). */
  async trustStoreEnv({ resolveVariable }) {
    const p = await params(resolveVariable);
    return p.trustStorePackaged ? `/var/task/${p.trustStorePackaged}` : null;
  },

  /** Its SHA-256, pinned: a package whose trust store was changed after packaging refuses to start. */
  async trustStoreDigestEnv({ resolveVariable }) {
    return (await params(resolveVariable)).trustStoreDigest ?? null;
  },

  /** Where the alarms notify: the given topic, the created one (alarmEmail), or nowhere. */
  async alarmActions({ resolveVariable }) {
    const p = await params(resolveVariable);
    if (p.alarmTopicArn) return [p.alarmTopicArn];
    if (p.alarmEmail) return [{ Ref: 'AlarmTopic' }];
    return [];
  },

  /**
   * The layer zip for the chosen architecture, rebuilt first when it is missing, older than
   * its sources, or of another architecture: a deploy never ships a layer that does not match.
   */
  async layerArtifact({ resolveVariable }) {
    const { architecture } = await params(resolveVariable);
    const reason = staleLayer(architecture);
    if (reason) {
      process.stderr.write(`layer: ${reason}; building the ${architecture} layer\n`);
      const build = spawnSync(
        process.execPath,
        [path.join(ROOT, 'layers/script-runtime/build.mjs'), '--arch', architecture],
        // The build's stdout goes to stderr too: `osls print` output stays clean.
        { cwd: ROOT, stdio: ['ignore', 2, 2] }
      );
      if (build.status !== 0) {
        const error = new Error(
          `building the ${architecture} layer failed (${build.status ?? build.signal}); ` +
            `see its output above, and docs/layer.md (npm run build:layer -- --arch ${architecture})`
        );
        error.stack = error.message;
        throw error;
      }
      const still = staleLayer(architecture);
      if (still) {
        const error = new Error(
          `the ${architecture} layer is still not usable after a build: ${still}`
        );
        error.stack = error.message;
        throw error;
      }
    }
    return `dist/layers/script-runtime-${architecture}.zip`;
  },
};
