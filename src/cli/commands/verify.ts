// `tidepool verify` (an attestation) and `tidepool verify-signature` (a script's signature).

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { renderStep, type Rendered, type RenderTarget } from '../../pipeline/stages/render';
import { InputError } from '../../step/errors';
import { parseVariablesJson } from '../../step/variables';
import {
  LocalSigner,
  sha256Hex,
  variablesCanonical,
  verifyEnvelope,
  type EnvelopeCheck,
  type Predicate,
  type Statement,
} from '../../integrity/attestation';
import { verifyAuthenticode } from '../../integrity/authenticode';
import { verifySshsig } from '../../integrity/sshsig';
import { readNamedFile, usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { TRUST_OPTIONS, trustStoreOptions } from '../integrity-options';

export const VERIFY_HELP = `Usage: tidepool verify <attestation.json | result.json | result directory> [options]

Checks a step's attestation (a DSSE envelope with an in-toto statement): the signature, that
it belongs to the result beside it, and, given the template and the variables snapshot, that
re-rendering reproduces the final script's digest.

Options:
  --key <public.pem>         The attestation key's public half (default: attestation.pub.pem
                             in the bundle, which proves integrity but not origin)
  --template <file>          The script template that ran: its digest must match, and with
                             --variables it is re-rendered
  --variables <vars.json>    The variables snapshot the step ran with
  --attestation-key <key.pem>  The local signing key: also checks the variables commitment
  --json                     Print the verdict as JSON
  -h, --help                 Show this help

Exit codes: 0 verified; 1 not verified; 125 bad usage.
`;

export const VERIFY_SIGNATURE_HELP = `Usage: tidepool verify-signature <file> [options]

Verifies a script's signature: Authenticode for .ps1/.psm1/.psd1, otherwise an SSH signature
in <file>.sig (ssh-keygen -Y sign). Prints the verdict, the signer and the reason.

Options:
  --trust-root <cert.pem>    A trusted root (repeatable)
  --allowed-signers <file>   OpenSSH allowed_signers
  --namespace <ns>           An accepted SSH namespace (repeatable; default file, tidepool-script)
  --trust-store <file.json>  A trust store instead of the options above
  --trust-store-digest <sha256>  Pin the trust store's digest
  --signature <file.sig>     The detached SSH signature (default <file>.sig)
  --principal <name>         Require this allowed_signers principal
  --json                     Print the verdict as JSON
  -h, --help                 Show this help

Exit codes: 0 valid signature; 1 invalid or absent; 125 bad usage.
`;

export async function verifySignatureCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...TRUST_OPTIONS,
        signature: { type: 'string' },
        principal: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  );
  if (values.help) {
    io.out(VERIFY_SIGNATURE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('tidepool verify-signature takes one file');
  const file = positionals[0] as string;
  const bytes = await readNamedFile(file, 'file');
  const store = await trustStoreOptions(values);
  const ext = path.extname(file).toLowerCase();
  let verdict: Record<string, unknown>;
  if (ext === '.ps1' || ext === '.psm1' || ext === '.psd1') {
    const r = verifyAuthenticode(bytes, {
      roots: store?.roots ?? [],
      ...(store ? { digests: store.digests } : {}),
    });
    verdict = { file, format: 'authenticode', ...r };
  } else {
    const sigFile = values.signature ?? `${file}.sig`;
    const sig = await fs.readFile(sigFile, 'utf8').catch(() => undefined);
    const r = verifySshsig(bytes, sig, {
      allowedSigners: store?.allowedSigners ?? [],
      ...(store ? { namespaces: store.namespaces } : {}),
      ...(values.principal !== undefined ? { principal: values.principal } : {}),
    });
    verdict = { file, format: 'sshsig', signatureFile: sigFile, ...r };
  }
  if (store) verdict.trustStore = { version: store.version, digest: store.digest };
  const valid = verdict.status === 'valid';
  if (values.json) io.out(JSON.stringify(verdict, null, 2) + '\n');
  else {
    const signer = verdict.signer as
      { subject?: string; principal?: string; fingerprint?: string } | undefined;
    io.out(
      `${valid ? 'VALID' : verdict.status === 'absent' ? 'NOT SIGNED' : 'INVALID'}  ${file} (${String(verdict.format)})\n`
    );
    if (signer)
      io.out(`  signer: ${signer.subject ?? signer.principal ?? ''} ${signer.fingerprint ?? ''}\n`);
    if (typeof verdict.timestamp === 'string') io.out(`  timestamp: ${verdict.timestamp}\n`);
    if (typeof verdict.reason === 'string') io.out(`  reason: ${verdict.reason}\n`);
  }
  return valid ? EXIT.ok : 1;
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false
  );
}

const VERIFY_OPTIONS = {
  key: { type: 'string' },
  template: { type: 'string' },
  variables: { type: 'string' },
  'attestation-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The files a statement is held against, beside its bundle. */
interface Given {
  template?: string | undefined;
  variables?: string | undefined;
  'attestation-key'?: string | undefined;
}

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(
    () => parseArgs({ args, allowPositionals: true, strict: true, options: VERIFY_OPTIONS }),
    VERIFY_OPTIONS
  );
  if (values.help) {
    io.out(VERIFY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('tidepool verify takes one attestation, result.json or result directory');
  const target = await attestationFile(positionals[0] as string);
  const dir = path.dirname(target);
  const { checked, check } = await checkSignature(await readAttestation(target), dir, values.key);
  const checks = [check];
  if (checked.ok) checks.push(...(await compare(checked.statement.predicate, dir, values)));
  const ok = checks.every((c) => c.ok);
  report(io, values.json === true, ok, checks, checked.ok ? checked.statement : undefined);
  return ok ? EXIT.ok : 1;
}

/** The attestation a result directory, its result.json or the attestation itself names. */
async function attestationFile(given: string): Promise<string> {
  if ((await fs.stat(given).catch(() => undefined))?.isDirectory())
    return path.join(given, 'attestation.json');
  if (path.basename(given) === 'result.json')
    return path.join(path.dirname(given), 'attestation.json');
  return given;
}

async function readAttestation(file: string): Promise<unknown> {
  try {
    return JSON.parse((await readNamedFile(file, 'attestation')).toString('utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`'${file}' is not JSON`);
  }
}

/** The envelope's signature, by the key given or else the public key in the bundle. */
async function checkSignature(
  envelope: unknown,
  dir: string,
  keyGiven: string | undefined
): Promise<{ checked: EnvelopeCheck; check: Check }> {
  const keyFile = keyGiven ?? path.join(dir, 'attestation.pub.pem');
  const checked = verifyEnvelope(
    envelope,
    (await readNamedFile(keyFile, 'public key')).toString('utf8')
  );
  const detail = checked.ok
    ? `signed by ${checked.keyid}${keyGiven ? '' : ' (key from the bundle)'}`
    : checked.reason;
  return { checked, check: { check: 'signature', ok: checked.ok, detail } };
}

/** What the signed statement says, held against the result beside it and the files given. */
async function compare(p: Predicate, dir: string, given: Given): Promise<Check[]> {
  const checks: Check[] = [];
  const result = await resultCheck(p, path.join(dir, 'result.json'));
  if (result) checks.push(result);
  if (given.template === undefined) return checks;
  const bytes = await readNamedFile(given.template, 'template');
  const attested = p.template as { sha256?: string };
  checks.push({
    check: 'template',
    ok: sha256Hex(bytes) === attested.sha256,
    detail: `template sha256 ${sha256Hex(bytes)}; attested ${String(attested.sha256)}`,
  });
  if (given.variables === undefined) return checks;
  const rendered = await rerender(p, bytes, given.variables);
  const keyFile = given['attestation-key'];
  checks.push(await finalScriptCheck(p, rendered, keyFile));
  if (keyFile !== undefined) checks.push(await variablesCheck(p, rendered[0].vars, keyFile));
  return checks;
}

/** Whether result.json, when there is one, is the run the statement attests. */
async function resultCheck(p: Predicate, resultFile: string): Promise<Check | undefined> {
  if (!(await exists(resultFile))) return undefined;
  const result = JSON.parse(await fs.readFile(resultFile, 'utf8')) as {
    stepId?: string;
    status?: string;
    exitCode?: number | null;
  };
  return {
    check: 'result',
    ok:
      result.stepId === p.step.stepId &&
      result.status === p.run.status &&
      result.exitCode === p.run.exitCode,
    detail: `result.json: ${result.status} exit ${String(result.exitCode)}; attested: ${p.run.status} exit ${String(p.run.exitCode)}`,
  };
}

/**
 * The template rendered again by the pipeline's own render stage, with and without a leading
 * BOM: a stored script loses its BOM when it is read, an inline one keeps it; either may be
 * what ran.
 */
async function rerender(
  p: Predicate,
  template: Buffer,
  variablesFile: string
): Promise<readonly [Rendered, Rendered]> {
  const syntax = p.step.syntax;
  if (syntax !== 'bash' && syntax !== 'powershell')
    throw new UsageError(`The attestation names an unknown syntax '${syntax}'`);
  const step: RenderTarget = { ...p.step, syntax };
  const decoded = template.toString('utf8');
  try {
    const variables = parseVariablesJson(
      (await readNamedFile(variablesFile, 'variables')).toString('utf8'),
      variablesFile
    );
    const render = (script: string) =>
      renderStep({ step, script, variables, modules: [], verbatim: p.substitution.verbatim });
    return [render(decoded), render(decoded.replace(/^\uFEFF/, ''))];
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** The final script's keyed digest: like the variables, only the key's holder can recompute it. */
async function finalScriptCheck(
  p: Predicate,
  rendered: readonly Rendered[],
  keyFile: string | undefined
): Promise<Check> {
  const want = p.finalScript?.value;
  if (keyFile === undefined) {
    return {
      check: 'final script',
      ok: false,
      detail: 'its digest is keyed (HMAC-SHA256): give --attestation-key to recompute it',
    };
  }
  const committer = LocalSigner.fromPem(
    (await readNamedFile(keyFile, 'attestation key')).toString('utf8')
  ).committer();
  const macs = await Promise.all(
    rendered.map(async (r) => (await committer.mac(Buffer.from(r.script, 'utf8'))).toString('hex'))
  );
  return {
    check: 'final script',
    ok: want !== undefined && macs.includes(want),
    detail: `re-rendered HMAC-SHA256 ${macs[0] ?? ''}; attested ${String(want)}`,
  };
}

/** The variables commitment, which only the holder of the local signing key can recompute. */
async function variablesCheck(
  p: Predicate,
  vars: Rendered['vars'],
  keyFile: string
): Promise<Check> {
  const signer = LocalSigner.fromPem(
    (await readNamedFile(keyFile, 'attestation key')).toString('utf8')
  );
  const mac = (
    await signer.committer().mac(variablesCanonical(vars.raw, vars.sensitiveNames))
  ).toString('hex');
  return {
    check: 'variables',
    ok: mac === p.variables.commitment.value,
    detail: 'variables commitment (HMAC-SHA256)',
  };
}

function report(
  io: CliIo,
  json: boolean,
  ok: boolean,
  checks: Check[],
  statement: Statement | undefined
): void {
  if (json) {
    io.out(
      JSON.stringify({ verified: ok, checks, ...(statement ? { statement } : {}) }, null, 2) + '\n'
    );
    return;
  }
  for (const c of checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}\n`);
  if (statement) {
    const p = statement.predicate;
    io.out(
      `Step ${p.step.deploymentId}/${p.step.stepId}: ${p.run.status}, policy ${p.policy.name} (${p.policy.enforcement}) ${p.policy.decision}\n`
    );
  }
  io.out(ok ? 'VERIFIED\n' : 'NOT VERIFIED\n');
}
