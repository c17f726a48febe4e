import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StepResult } from '../../src/step/result';
import { locateInterpreter } from '../../src/run/interpreters';
import { killAllGroups } from '../../src/run/script-process';
import { tempDir, tidepool } from '../helpers/cli';

/**
 * Community step templates (test/data/library-templates, copied unchanged from the Octopus
 * library, see NOTICE.md there) run unmodified through `tidepool run <template>.json`, with the
 * variables each needs given as `--var`. Each test asserts on what the template does.
 * docs/compatibility.md lists these and the templates that are not run, with the reason.
 */
const TEMPLATES = path.join(__dirname, '..', 'data', 'library-templates');

let pwshProblem = '';
try {
  locateInterpreter('powershell');
} catch (error) {
  pwshProblem = (error as Error).message;
}

interface TemplateRun {
  code: number;
  result: StepResult;
  texts: string[];
}

async function runTemplate(file: string, vars: Record<string, string>): Promise<TemplateRun> {
  const out = path.join(tempDir('tidepool-template-'), 'out');
  const args = ['run', path.join(TEMPLATES, file), '--json', '--out', out];
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}=${value}`);
  const run = await tidepool(args);
  if (run.stdout.trim() === '') throw new Error(`no result (exit ${run.code}): ${run.stderr}`);
  const result = JSON.parse(run.stdout) as StepResult;
  return { code: run.code, result, texts: result.log.map((l) => l.text) };
}

function succeeded(run: TemplateRun): void {
  if (run.result.status !== 'succeeded') {
    throw new Error(`expected success, got ${run.result.status}:\n${run.texts.join('\n')}`);
  }
}

const T = 60000;

describe('community step templates through tidepool run', () => {
  beforeAll(() => {
    if (pwshProblem) throw new Error(`pwsh is required: ${pwshProblem}`);
  });
  afterEach(() => killAllGroups());
  let dir: string;
  beforeEach(() => {
    dir = tempDir('tidepool-template-data-');
  });

  describe('PowerShell', () => {
    it(
      'wait: counts down the seconds at verbose level',
      async () => {
        const run = await runTemplate('wait.json', { Seconds: '1' });
        succeeded(run);
        expect(run.texts).toContain('Waiting for 1 seconds');
        const verbose = run.result.log.filter((l) => l.level === 'verbose').map((l) => l.text);
        expect(verbose).toEqual(
          expect.arrayContaining(['1 seconds remaining', '0 seconds remaining'])
        );
      },
      T
    );

    it(
      'Wait until time: starts at once when no time is set (parameter default is empty)',
      async () => {
        const run = await runTemplate('Wait-until-time.json', {});
        succeeded(run);
        expect(run.texts).toContain(
          'Deploy will start immediately because neither TargetTime or DefaultTargetTime is set'
        );
      },
      T
    );

    it(
      'Calculate deployment mode: sets the mode output variables from release numbers',
      async () => {
        const run = await runTemplate('calculate-deployment-mode.json', {
          'Octopus.Release.Number': '2.1.0',
          'Octopus.Release.CurrentForEnvironment.Number': '2.0.5',
          'Octopus.Release.PreviousForEnvironment.Number': '2.0.5',
        });
        succeeded(run);
        const out = run.result.outputVariables;
        expect(out.DeploymentMode?.value).toBe('Deploy');
        expect(out.Trigger?.value).toBe('False');
        // The run conditions are Octostache text for the server to evaluate in later steps.
        expect(out.RunOnDeploy?.value).toContain(
          '.Output.DeploymentMode == "Deploy"}True#{else}False'
        );
        expect(run.texts).toContain(
          'The current release number 2.1.0 is greater than the previous successful release number 2.0.5.'
        );
        expect(run.result.log.filter((l) => l.level === 'highlight').map((l) => l.text)).toContain(
          'Output Variables Created:'
        );
      },
      T
    );

    it(
      'Determine rolling deploy window size: a share of the machines in the role',
      async () => {
        const run = await runTemplate('determine-rolling-deploy-window-size.json', {
          DRDWSServerPercentageToDeploy: '50',
          DRDWSServerRole: 'web',
          'Octopus.Environment.MachinesInRole[web]': 'Machines-1,Machines-2,Machines-3,Machines-4',
        });
        succeeded(run);
        expect(run.texts).toContain('Server percentage to deploy: 50%');
        expect(Object.values(run.result.outputVariables).map((v) => v.value)).toContain('2');
      },
      T
    );

    it(
      'File System - Create File: writes the content with the chosen encoding',
      async () => {
        const file = path.join(dir, 'sub', 'hello.txt');
        mkdirSync(path.dirname(file));
        const run = await runTemplate('file-system-create-file.json', {
          FilePath: file,
          // Parameter values are evaluated as Octopus does before the script reads them.
          FileContent: 'Hello #{Who}',
          Who: 'Ada',
        });
        succeeded(run);
        // Encoding UTF8 on pwsh 7 means no BOM.
        expect(readFileSync(file, 'utf8')).toBe('Hello Ada\n');
      },
      T
    );

    it(
      'File System - Create Folders: creates each folder of a ; list',
      async () => {
        const a = path.join(dir, 'a');
        const bc = path.join(dir, 'b', 'c');
        const run = await runTemplate('file-system-create-folders.json', {
          FolderPaths: `${a};${bc}`,
        });
        succeeded(run);
        expect(existsSync(a) && existsSync(bc)).toBe(true);
        expect(run.texts.filter((t) => t === 'SUCCESS')).toHaveLength(2);
      },
      T
    );

    it(
      'File System - Copy File: copies a file over the destination',
      async () => {
        writeFileSync(path.join(dir, 'from.txt'), 'copied');
        const run = await runTemplate('file-system-copy-file.json', {
          sourcePath: path.join(dir, 'from.txt'),
          destinationPath: path.join(dir, 'to.txt'),
        });
        succeeded(run);
        expect(readFileSync(path.join(dir, 'to.txt'), 'utf8')).toBe('copied');
      },
      T
    );

    it(
      'File System - Restore Directory: replaces the destination with a copy of the source',
      async () => {
        mkdirSync(path.join(dir, 'src', 'deep'), { recursive: true });
        writeFileSync(path.join(dir, 'src', 'deep', 'f.txt'), 'x');
        mkdirSync(path.join(dir, 'dst'));
        writeFileSync(path.join(dir, 'dst', 'stale.txt'), 'old');
        const run = await runTemplate('file-system-restore-directory.json', {
          Source: path.join(dir, 'src'),
          Destination: path.join(dir, 'dst'),
        });
        succeeded(run);
        expect(readFileSync(path.join(dir, 'dst', 'deep', 'f.txt'), 'utf8')).toBe('x');
        expect(existsSync(path.join(dir, 'dst', 'stale.txt'))).toBe(false);
      },
      T
    );

    it(
      'File System - Combine Files: concatenates a folder into one file and an artifact',
      async () => {
        mkdirSync(path.join(dir, 'parts'));
        writeFileSync(path.join(dir, 'parts', '1.sql'), 'select 1;\n');
        writeFileSync(path.join(dir, 'parts', '2.sql'), 'select 2;\n');
        const run = await runTemplate('file-system-combine-files.json', {
          'CombineFiles.Directory.Source': path.join(dir, 'parts'),
          'CombineFiles.Destination.FileName': 'combined.sql',
          'CombineFiles.Destination.CommentCharacters': '--',
        });
        succeeded(run);
        expect(run.result.artifacts.map((a) => a.name)).toEqual(['combined.sql']);
        const artifact = run.result.artifacts[0];
        const stored = artifact && 'path' in artifact ? readFileSync(artifact.path, 'utf8') : '';
        expect(stored).toContain('select 1;');
        expect(stored).toContain('select 2;');
        expect(stored).toMatch(/^-- Contents from .*1\.sql$/m);
      },
      T
    );

    it(
      'JSON Merge: does not run on pwsh 7 (ConvertTo-Json -Depth 200 is over its limit of 100)',
      async () => {
        writeFileSync(path.join(dir, 'a.json'), '{"a":1,"nested":{"x":1,"y":2}}');
        writeFileSync(path.join(dir, 'b.json'), '{"b":2,"nested":{"y":3}}');
        const run = await runTemplate('json-merge.json', {
          jmf_SourceFile: path.join(dir, 'a.json'),
          jmf_TransformFile: path.join(dir, 'b.json'),
          jmf_OutputFile: path.join(dir, 'out.json'),
        });
        // It gets as far as pwsh allows, then fails as it would under Octopus on pwsh 7.
        expect(run.texts).toContain('Applying transformations');
        expect(run.result.status).toBe('failed');
        expect(run.result.exitCode).toBe(1);
        expect(run.texts.join('\n')).toContain(
          "Cannot validate argument on parameter 'Depth'. The 200 argument is greater than the maximum allowed range of 100."
        );
        expect(existsSync(path.join(dir, 'out.json'))).toBe(false);
      },
      T
    );

    it(
      'XML attribute update: sets the value of the matching node',
      async () => {
        const file = path.join(dir, 'app.config');
        writeFileSync(
          file,
          '<configuration><appSettings><add key="Mode" value="old" /><add key="Other" value="keep" /></appSettings></configuration>'
        );
        const run = await runTemplate('xml-attribute-update.json', {
          path: file,
          xmlPath: '//appSettings/add',
          key: 'Mode',
          value: 'new',
          nsValue: 'urn:unused',
        });
        succeeded(run);
        const xml = readFileSync(file, 'utf8');
        expect(xml).toContain('<add key="Mode" value="new" />');
        expect(xml).toContain('<add key="Other" value="keep" />');
      },
      T
    );

    it(
      'ASP.NET Core - Set Environment Variable: adds it to web.config',
      async () => {
        const file = path.join(dir, 'web.config');
        writeFileSync(
          file,
          '<?xml version="1.0" encoding="utf-8"?>\n<configuration><location path="." inheritInChildApplications="false"><system.webServer><aspNetCore processPath="dotnet" arguments=".\\App.dll" /></system.webServer></location></configuration>\n'
        );
        const run = await runTemplate('aspnetcore-set-environment-variable.json', {
          anc_WebConfigPath: file,
          anc_EnvironmentVariableName: 'ASPNETCORE_ENVIRONMENT',
          anc_EnvironmentVariableValue: 'Staging',
        });
        succeeded(run);
        expect(readFileSync(file, 'utf8')).toMatch(
          /<environmentVariables>\s*<environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Staging" \/>\s*<\/environmentVariables>/
        );
      },
      T
    );

    it(
      'SSL - Write certificate PEM and key: writes both files from the certificate variable',
      async () => {
        const run = await runTemplate('ssl-write-certificate-pem-and-key.json', {
          sslExportPath: path.join(dir, 'certs'),
          sslPemFile: 'site.pem',
          sslKeyFile: 'site.key',
          sslCertificate: 'Certificates-1',
          'sslCertificate.Name': 'Site',
          'sslCertificate.CertificatePem':
            '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
          'sslCertificate.PrivateKeyPem':
            '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
        });
        succeeded(run);
        expect(run.texts).toContain('Writing PEM and Key files for Site');
        expect(readFileSync(path.join(dir, 'certs', 'site.pem'), 'utf8')).toContain('MIIB');
        expect(readFileSync(path.join(dir, 'certs', 'site.key'), 'utf8')).toContain('MIIE');
      },
      T
    );

    it(
      'Manual Intervention User Restrictions: fails when the deployer approved their own deployment',
      async () => {
        const vars = {
          'URE.ManualInterventionStepName': 'Approve',
          'Octopus.Deployment.CreatedBy.Username': 'alice',
        };
        const same = await runTemplate('Manual-Intervention-User-Restrictions-Enforcement.json', {
          ...vars,
          'Octopus.Action[Approve].Output.Manual.ResponsibleUser.Username': 'alice',
        });
        expect(same.result.status).toBe('failed');
        expect(same.result.exitCode).toBe(1);
        expect(same.result.log.filter((l) => l.level === 'warning').map((l) => l.text)).toContain(
          'The same user may not be used to both start the deployment and approve the deployment.'
        );
        expect(same.texts).toContain('OperationStopped: Terminating deployment...');

        const other = await runTemplate('Manual-Intervention-User-Restrictions-Enforcement.json', {
          ...vars,
          'Octopus.Action[Approve].Output.Manual.ResponsibleUser.Username': 'bob',
        });
        succeeded(other);
        // Write-Host "Approved by: "$value is two arguments, joined with a space.
        expect(other.texts).toContain('Approved by:  bob');
      },
      T
    );

    it(
      'Find unreplaced variables: warns about #{...} left in config files',
      async () => {
        writeFileSync(path.join(dir, 'app.config'), '<add key="Db" value="#{Database.Name}" />\n');
        writeFileSync(path.join(dir, 'clean.config'), '<add key="Db" value="prod" />\n');
        const run = await runTemplate('variables-find-unreplaced.json', { Path: dir });
        succeeded(run);
        // The #{...} token in the file is data: only the script body is substituted.
        expect(run.texts).toContain(
          `${path.join(dir, 'app.config')}:1:<add key="Db" value="#{Database.Name}" />`
        );
        expect(run.texts.some((t) => t.startsWith(`${path.join(dir, 'clean.config')}:`))).toBe(
          false
        );
        expect(run.result.log.filter((l) => l.level === 'warning').map((l) => l.text)).toEqual([
          'Unreplaced Octopus Variables were found.',
        ]);
      },
      T
    );

    it(
      'File System - Clean Directory: does not run on pwsh 7 (String.Split overloads changed)',
      async () => {
        mkdirSync(path.join(dir, 'logs'));
        writeFileSync(path.join(dir, 'logs', 'a.log'), 'a');
        const run = await runTemplate('file-system-clean-directory.json', {
          PathsToClean: path.join(dir, 'logs'),
          CleanInclude: '*.log',
        });
        // .Split(@(";"), "RemoveEmptyEntries") binds to Split(char[], int) on .NET Core.
        expect(run.result.status).toBe('failed');
        expect(run.texts.join('\n')).toContain(
          'Cannot convert argument "count", with value: "RemoveEmptyEntries", for "Split" to type "System.Int32"'
        );
        expect(existsSync(path.join(dir, 'logs', 'a.log'))).toBe(true);
      },
      T
    );
  });

  describe('Bash', () => {
    it(
      'AWS - Find Blue-Green ASG: sets the active and inactive groups (no AWS call)',
      async () => {
        const run = await runTemplate('aws-find-blue-green-asg.json', {
          'AWSBlueGreen.InactiveColor': ' Green ',
          'AWSBlueGreen.AWS.GreenASG': 'asg-green',
          'AWSBlueGreen.AWS.BlueASG': 'asg-blue',
        });
        succeeded(run);
        expect(run.result.outputVariables.ActiveGroup?.value).toBe('asg-blue');
        expect(run.result.outputVariables.InactiveGroup?.value).toBe('asg-green');
        expect(run.texts).toContain(
          'Active group is Blue (asg-blue), inactive group is Green (asg-green)'
        );
      },
      T
    );

    it(
      'Bash - Check service running: reports running and missing processes',
      async () => {
        const ok = await runTemplate('bash-service-check-running.json', { services: 'bash' });
        succeeded(ok);
        expect(ok.texts).toContain('bash is running!!!');
        const missing = await runTemplate('bash-service-check-running.json', {
          services: 'bash,no-such-daemon-xyz',
        });
        expect(missing.result.status).toBe('failed');
        expect(missing.texts).toContain('no-such-daemon-xyz is not running!!!');
        expect(missing.texts).toContain('At least one service is not running!!!');
      },
      T
    );
  });
});
