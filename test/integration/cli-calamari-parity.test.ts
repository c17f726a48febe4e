import { killAllGroups } from '../../src/run/script-process';
import { runScript } from '../helpers/cli';

// Calamari's own fixtures (Calamari.Tests/Fixtures/Bash/Scripts/report-kubernetes-manifest.sh,
// Fixtures/PowerShell/Scripts/ReportKubernetesManifest.ps1, PowerShellScriptEngineFixture,
// PowerShellFixtureBase), run through `tidepool run` with real bash and pwsh. Service messages
// are consumed by the collector, so each test prints them with a prefix instead.

const DOCUMENTS = [
  [
    '"apiVersion": "v1"',
    '"kind": "Namespace"',
    '"metadata":',
    '  "name": "example"',
    '"labels":',
    '    "name": "example"',
  ],
  [
    '"apiVersion": "v1"',
    '"kind": "Namespace"',
    '"metadata":',
    '  "name": "diffs"',
    '"labels":',
    '    "name": "diffs"',
  ],
];

/** The fixture's manifest: two documents, the first ended by '---' with trailing spaces. */
function manifest(eol: string): string {
  return [...DOCUMENTS[0]!, '---    ', ...DOCUMENTS[1]!, '---', '---'].join(eol);
}

function reported(log: string[]): string[] {
  return log.filter((l) => l.startsWith('K#')).map((l) => l.slice(2));
}

const texts = (run: Awaited<ReturnType<typeof runScript>>) => run.result.log.map((e) => e.text);

afterEach(() => killAllGroups());

// Calamari's expected values: BashFixture.ShouldReportKubernetesManifest (LF) and
// PowerShellFixtureBase.ShouldWriteServiceMessageForKubernetesManifest (CRLF, from Windows).
const CALAMARI = {
  lf: [
    'ImFwaVZlcnNpb24iOiAidjEiCiJraW5kIjogIk5hbWVzcGFjZSIKIm1ldGFkYXRhIjoKICAibmFtZSI6ICJleGFtcGxlIgoibGFiZWxzIjoKICAgICJuYW1lIjogImV4YW1wbGUiCg==',
    'ImFwaVZlcnNpb24iOiAidjEiCiJraW5kIjogIk5hbWVzcGFjZSIKIm1ldGFkYXRhIjoKICAibmFtZSI6ICJkaWZmcyIKImxhYmVscyI6CiAgICAibmFtZSI6ICJkaWZmcyIK',
  ],
  crlf: [
    'ImFwaVZlcnNpb24iOiAidjEiDQoia2luZCI6ICJOYW1lc3BhY2UiDQoibWV0YWRhdGEiOg0KICAibmFtZSI6ICJleGFtcGxlIg0KImxhYmVscyI6DQogICAgIm5hbWUiOiAiZXhhbXBsZSINCg==',
    'ImFwaVZlcnNpb24iOiAidjEiDQoia2luZCI6ICJOYW1lc3BhY2UiDQoibWV0YWRhdGEiOg0KICAibmFtZSI6ICJkaWZmcyINCiJsYWJlbHMiOg0KICAgICJuYW1lIjogImRpZmZzIg0K',
  ],
};

function expectedMessages([first, second]: string[]): string[] {
  return [
    `octopus[k8s-manifest-applied manifest='${first}']`,
    `octopus[k8s-manifest-applied manifest='${second}']`,
    `octopus[k8s-manifest-applied manifest='${first}' ns='bXk=']`,
    `octopus[k8s-manifest-applied manifest='${second}' ns='bXk=']`,
  ];
}

describe('report_kubernetes_manifest (bash), Calamari’s fixture', () => {
  it('splits on a --- line with trailing spaces, with and without a namespace', async () => {
    const script = [
      "read -r -d '' manifest << EOM || true",
      manifest('\n'),
      'EOM',
      `{ report_kubernetes_manifest "$manifest"; report_kubernetes_manifest "$manifest" "my"; } | sed 's/^##/K#/'`,
    ].join('\n');
    const run = await runScript(script);
    expect(run.code).toBe(0);
    expect(reported(texts(run))).toEqual(expectedMessages(CALAMARI.lf));
  });
});

describe('PowerShell, Calamari’s fixtures', () => {
  it.each([
    ['LF', '`n', CALAMARI.lf],
    ['CRLF', '`r`n', CALAMARI.crlf],
  ])(
    'Report-KubernetesManifest drops the whitespace and line break after --- (%s)',
    async (_name, psEol, expected) => {
      const lines = manifest('\n').split('\n');
      const script = [
        `$manifest = @(${lines.map((l) => `'${l.replace(/'/g, "''")}'`).join(', ')}) -join "${psEol}"`,
        "& { Report-KubernetesManifest -manifest $manifest; $manifest | Report-KubernetesManifest -namespace 'my' } 6>&1 | ForEach-Object { 'K#' + \"$_\".Substring(2) }",
      ].join('\n');
      const run = await runScript(script, { syntax: 'powershell' });
      expect(run.code).toBe(0);
      expect(reported(texts(run))).toEqual(expectedMessages(expected));
    },
    60000
  );
  it.each(['true', 'True', ' TRUE ', '2'])(
    'PSDebug.Trace = %p traces at level 2: the bootstrap calls Import-CalamariModules',
    async (value) => {
      const run = await runScript('Write-Host $mysecrect', {
        syntax: 'powershell',
        variables: { mysecrect: 'KingKong', 'Octopus.Action.PowerShell.PSDebug.Trace': value },
      });
      const log = texts(run);
      expect(log).toContain('KingKong');
      expect(log.some((l) => l.includes('1+  >>>> Write-Host $mysecrect'))).toBe(true);
      expect(log.some((l) => l.includes("! CALL function 'Import-CalamariModules'"))).toBe(true);
    },
    60000
  );

  it.each(['1', 'false', '0', ''])(
    'PSDebug.Trace = %p does not trace calls',
    async (value) => {
      const run = await runScript('Write-Host $mysecrect', {
        syntax: 'powershell',
        variables: { mysecrect: 'KingKong', 'Octopus.Action.PowerShell.PSDebug.Trace': value },
      });
      const log = texts(run);
      expect(log).toContain('KingKong');
      expect(log.some((l) => l.includes("! CALL function 'Import-CalamariModules'"))).toBe(false);
      expect(log.some((l) => l.includes('>>>> Write-Host $mysecrect'))).toBe(value === '1');
    },
    60000
  );

  it('prints $PSVersionTable as Calamari does: a Name/Value table with PSEdition Core', async () => {
    const run = await runScript('Write-Host done', { syntax: 'powershell' });
    const log = texts(run).map((l) => l.trimEnd());
    // PowerShellFixtureBase.AssertPowerShellEdition
    expect(log).toContain('PSEdition                      Core');
    expect(log.some((l) => /^PSVersion {2,}\d+\.\d+/.test(l))).toBe(true);
    expect(log).toContain('PowerShell Environment Information:');
  }, 60000);

  it.each(['true', ' True ', 'false', ''])(
    'ExecuteWithoutProfile = %p: $PROFILE names the step’s own HOME either way, as pwsh sets it under -NoProfile',
    async (value) => {
      const script =
        'Write-Host "PROFILE-IN-HOME: $($PROFILE.CurrentUserAllHosts.StartsWith($HOME + \'/\'))"';
      const run = await runScript(script, {
        syntax: 'powershell',
        variables: { 'Octopus.Action.PowerShell.ExecuteWithoutProfile': value },
      });
      expect(texts(run)).toContain('PROFILE-IN-HOME: True');
    },
    60000
  );
});
