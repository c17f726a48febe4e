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
} from '../../integrity/attestation';
import { verifyAuthenticode } from '../../integrity/authenticode';
import { verifySshsig } from '../../integrity/sshsig';
import { usage, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { trustStoreOptions } from '../integrity-options';

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

async function readFile(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new UsageError(
      `Cannot read ${what} '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`
    );
  }
}

export async function verifySignatureCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        'trust-root': { type: 'string', multiple: true },
        'allowed-signers': { type: 'string' },
        namespace: { type: 'string', multiple: true },
        'trust-store': { type: 'string' },
        'trust-store-digest': { type: 'string' },
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
  const bytes = await readFile(file, 'file');
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

export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        key: { type: 'string' },
        template: { type: 'string' },
        variables: { type: 'string' },
        'attestation-key': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  );
  if (values.help) {
    io.out(VERIFY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('tidepool verify takes one attestation, result.json or result directory');
  let target = positionals[0] as string;
  if ((await fs.stat(target).catch(() => undefined))?.isDirectory())
    target = path.join(target, 'attestation.json');
  else if (path.basename(target) === 'result.json')
    target = path.join(path.dirname(target), 'attestation.json');
  const dir = path.dirname(target);
  const checks: Array<{ check: string; ok: boolean; detail: string }> = [];
  const add = (check: string, ok: boolean, detail: string) => checks.push({ check, ok, detail });

  let envelope: unknown;
  try {
    envelope = JSON.parse((await readFile(target, 'attestation')).toString('utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`'${target}' is not JSON`);
  }
  const keyFile = values.key ?? path.join(dir, 'attestation.pub.pem');
  const keyPem = (await readFile(keyFile, 'public key')).toString('utf8');
  const checked = verifyEnvelope(envelope, keyPem);
  add(
    'signature',
    checked.ok,
    checked.ok
      ? `signed by ${checked.keyid}${values.key ? '' : ' (key from the bundle)'}`
      : checked.reason
  );
  if (checked.ok) {
    const p = checked.statement.predicate;
    const resultFile = path.join(dir, 'result.json');
    if (await exists(resultFile)) {
      const result = JSON.parse(await fs.readFile(resultFile, 'utf8')) as {
        stepId?: string;
        status?: string;
        exitCode?: number | null;
      };
      const same =
        result.stepId === p.step.stepId &&
        result.status === p.run.status &&
        result.exitCode === p.run.exitCode;
      add(
        'result',
        same,
        `result.json: ${result.status} exit ${String(result.exitCode)}; attested: ${p.run.status} exit ${String(p.run.exitCode)}`
      );
    }
    if (values.template !== undefined) {
      const bytes = await readFile(values.template, 'template');
      const template = p.template as { sha256?: string };
      add(
        'template',
        sha256Hex(bytes) === template.sha256,
        `template sha256 ${sha256Hex(bytes)}; attested ${String(template.sha256)}`
      );
      if (values.variables !== undefined) {
        const syntax = p.step.syntax;
        if (syntax !== 'bash' && syntax !== 'powershell')
          throw new UsageError(`The attestation names an unknown syntax '${syntax}'`);
        const step: RenderTarget = { ...p.step, syntax };
        const decoded = bytes.toString('utf8');
        let rendered: readonly [Rendered, Rendered];
        try {
          const variables = parseVariablesJson(
            (await readFile(values.variables, 'variables')).toString('utf8'),
            values.variables
          );
          // The pipeline's own render stage. A stored script loses its BOM when it is read, an
          // inline one keeps it: either may be what ran.
          const render = (script: string) =>
            renderStep({ step, script, variables, modules: [], verbatim: p.substitution.verbatim });
          rendered = [render(decoded), render(decoded.replace(/^\uFEFF/, ''))];
        } catch (error) {
          if (error instanceof InputError) throw new UsageError(error.message, { cause: error });
          throw error;
        }
        const vars = rendered[0].vars;
        const digests = rendered.map((r) => sha256Hex(Buffer.from(r.script, 'utf8')));
        const want = p.finalScript?.sha256;
        add(
          'final script',
          want !== undefined && digests.includes(want),
          `re-rendered sha256 ${digests[0] ?? ''}; attested ${String(want)}`
        );
        if (values['attestation-key'] !== undefined) {
          const signer = LocalSigner.fromPem(
            (await readFile(values['attestation-key'], 'attestation key')).toString('utf8')
          );
          const mac = (
            await signer.committer().mac(variablesCanonical(vars.raw, vars.sensitiveNames))
          ).toString('hex');
          add(
            'variables',
            mac === p.variables.commitment.value,
            'variables commitment (HMAC-SHA256)'
          );
        }
      }
    }
  }
  const ok = checks.every((c) => c.ok);
  if (values.json) {
    io.out(
      JSON.stringify(
        { verified: ok, checks, ...(checked.ok ? { statement: checked.statement } : {}) },
        null,
        2
      ) + '\n'
    );
  } else {
    for (const c of checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}\n`);
    if (checked.ok) {
      const p = checked.statement.predicate;
      io.out(
        `Step ${p.step.deploymentId}/${p.step.stepId}: ${p.run.status}, policy ${p.policy.name} (${p.policy.enforcement}) ${p.policy.decision}\n`
      );
    }
    io.out(ok ? 'VERIFIED\n' : 'NOT VERIFIED\n');
  }
  return ok ? EXIT.ok : 1;
}
