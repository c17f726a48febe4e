// The script-runtime layer, checked with its own interpreters only: PATH = <layer>/bin:/usr/bin,
// no dotnet on PATH, HOME in a temp dir. The x86_64 layer is built once per run (globalSetup).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildLayer,
  ensureLayer,
  layerArtifacts,
  layerPath,
  layerProcessEnv,
  REPO_ROOT,
} from './layer-fixture';
import {
  compareDotted,
  isElf,
  readElfInfo,
  readZip,
  sha256,
  unpackZip,
  ZipEntryInfo,
} from './inspect';

const GLIBC_MAX = '2.34'; // Amazon Linux 2023, the nodejs24.x image
const DOS_DATE_1980_01_01 = (1 << 5) | 1;

interface Manifest {
  arch: string;
  zip: { file: string; sha256: string; bytes: number; entries: number };
  unzippedBytes: number;
  pwsh: { version: string; route: string; sources: { sha256: string; file: string }[] };
  bash: { version: string; source: { sha256: string; file: string } };
  busybox: { applets: string[]; source: { sha256: string; file: string } };
  binaries: { path: string; target?: string; sha256: string; from: string[] }[];
  files: { path: string; size?: number; sha256?: string; symlink?: string; mode?: string }[];
}

function run(cmd: string, args: string[], env: Record<string, string>, cwd?: string) {
  const r = spawnSync(cmd, args, { env, cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function readManifest(file: string): Manifest {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
}

/** Checks shared by both architectures: the manifest describes exactly what is in the zip. */
function checkZipAgainstManifest(
  zipFile: string,
  manifest: Manifest,
  elfMachine: string
): ZipEntryInfo[] {
  const zipBytes = fs.readFileSync(zipFile);
  expect(sha256(zipBytes)).toBe(manifest.zip.sha256);
  expect(zipBytes.length).toBe(manifest.zip.bytes);
  const entries = readZip(zipFile);
  expect(entries).toHaveLength(manifest.zip.entries);
  const names = entries.map((e) => e.name);
  expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  for (const e of entries) {
    expect([e.dosDate, e.dosTime]).toEqual([DOS_DATE_1980_01_01, 0]);
  }
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  let unzipped = 0;
  const problems: string[] = [];
  for (const e of entries) {
    if (e.kind === 'dir') {
      expect(e.mode & 0o777).toBe(0o755);
      continue;
    }
    const rec = byPath.get(e.name);
    if (!rec) {
      problems.push(`${e.name}: not in the manifest`);
      continue;
    }
    if (e.kind === 'symlink') {
      expect(rec.symlink).toBe(e.data.toString('utf8'));
      continue;
    }
    unzipped += e.data.length;
    if (rec.sha256 !== sha256(e.data)) problems.push(`${e.name}: sha256 differs from the manifest`);
    if (rec.mode !== `0${(e.mode & 0o777).toString(8)}`) problems.push(`${e.name}: mode differs`);
    if (isElf(e.data)) {
      const elf = readElfInfo(e.data);
      if (elf.machine !== elfMachine)
        problems.push(`${e.name}: ${elf.machine}, expected ${elfMachine}`);
      const newest = elf.glibcVersions[elf.glibcVersions.length - 1];
      if (newest && compareDotted(newest, GLIBC_MAX) > 0) {
        problems.push(`${e.name}: needs GLIBC_${newest} > ${GLIBC_MAX}`);
      }
      if (e.mode & 0o111 && (e.mode & 0o777) !== 0o755) problems.push(`${e.name}: odd mode`);
    }
  }
  expect(problems).toEqual([]);
  expect(byPath.size).toBe(entries.filter((e) => e.kind !== 'dir').length);
  expect(unzipped).toBe(manifest.unzippedBytes);

  // The named binaries: bash and busybox are static, pwsh's sources are listed with hashes.
  const entry = (p: string) => entries.find((e) => e.name === p);
  for (const b of manifest.binaries) {
    const e = entry(b.path);
    expect(e).toBeDefined();
    const real = b.target ? entry(b.target) : e;
    expect(real?.kind).toBe('file');
    expect(sha256(real?.data ?? Buffer.alloc(0))).toBe(b.sha256);
    expect(b.from.length).toBeGreaterThan(0);
  }
  expect(manifest.binaries.map((b) => b.path).sort()).toEqual(
    ['bin/bash', 'bin/find', 'bin/pwsh', 'bin/xargs'].sort()
  );
  for (const p of ['bin/bash', 'libexec/busybox']) {
    const elf = readElfInfo(entry(p)?.data ?? Buffer.alloc(0));
    expect(elf.hasInterpreter || elf.hasDynamic).toBe(false);
  }
  for (const s of [...manifest.pwsh.sources, manifest.bash.source, manifest.busybox.source]) {
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
  }
  return entries;
}

describe('script-runtime layer (x86_64)', () => {
  let layer: string;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    layer = await ensureLayer();
    work = tmpDir('tidepool-layer-run-');
    env = layerProcessEnv(layer, path.join(work, 'tmp'));
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the interpreters come from the layer and dotnet is not reachable', () => {
    const r = run(
      'bash',
      ['-c', 'command -v bash pwsh find xargs; command -v dotnet || echo no-dotnet'],
      env
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      ...['bash', 'pwsh', 'find', 'xargs'].map((b) => path.join(layer, 'bin', b)),
      'no-dotnet',
    ]);
  });

  test('bash runs a script and reports its version', () => {
    const script = path.join(work, 'step.sh');
    fs.writeFileSync(
      script,
      [
        'set -euo pipefail',
        'declare -A colours=([sea]=blue)',
        'echo "version=${BASH_VERSION}"',
        'echo "assoc=${colours[sea]}"',
        'printf "arith=%d\\n" $((6 * 7))',
        'echo "home=$HOME"',
      ].join('\n') + '\n'
    );
    const r = run('bash', [script], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('version=5.2.15(1)-release');
    expect(r.stdout).toContain('assoc=blue');
    expect(r.stdout).toContain('arith=42');
    expect(r.stdout).toContain(`home=${env.HOME}`);
    expect(run('bash', ['--version'], env).stdout).toMatch(/^GNU bash, version 5\.2\.15/);
  });

  test('pwsh is 7.6.9 and runs a script with ConvertTo-Json, Get-FileHash and Compress-Archive', () => {
    const version = run(
      'pwsh',
      [
        '-NoLogo',
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        '$PSVersionTable.PSVersion.ToString()',
      ],
      env
    );
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe('7.6.9');

    const script = path.join(work, 'step.ps1');
    fs.writeFileSync(
      script,
      [
        "$ErrorActionPreference = 'Stop'",
        "$dir = Join-Path $env:TMPDIR 'ps-work'",
        'New-Item -ItemType Directory -Path $dir -Force | Out-Null',
        "$file = Join-Path $dir 'a.txt'",
        "Set-Content -Path $file -Value 'hello layer' -NoNewline",
        '$hash = (Get-FileHash -Algorithm SHA256 -Path $file).Hash',
        "Compress-Archive -Path $file -DestinationPath (Join-Path $dir 'a.zip')",
        "Expand-Archive -Path (Join-Path $dir 'a.zip') -DestinationPath (Join-Path $dir 'out')",
        "$back = Get-Content -Raw (Join-Path $dir 'out/a.txt')",
        '[ordered]@{',
        '  version = $PSVersionTable.PSVersion.ToString()',
        '  hash = $hash',
        '  roundTrip = $back',
        '  psHome = $PSHOME',
        '  archive = (Get-Command Compress-Archive).Source',
        '  runtimeDir = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()',
        '  dotnet = [Environment]::Version.ToString()',
        '} | ConvertTo-Json -Compress',
      ].join('\n') + '\n'
    );
    const r = run('pwsh', ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', script], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(out).toEqual({
      version: '7.6.9',
      hash: sha256('hello layer').toUpperCase(),
      roundTrip: 'hello layer',
      psHome: path.join(layer, 'powershell'),
      archive: 'Microsoft.PowerShell.Archive',
      runtimeDir: path.join(layer, 'powershell') + '/',
      dotnet: '10.0.15',
    });
  });

  test('pwsh starts with nothing but PATH and HOME set (the layer carries its own defaults)', () => {
    const home = path.join(work, 'bare-home');
    fs.mkdirSync(home);
    const r = run(
      'pwsh',
      [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        "$ErrorActionPreference = 'Stop'; Import-Module Microsoft.PowerShell.Archive; [Globalization.CultureInfo]::CurrentCulture.Name + '|ok'",
      ],
      { PATH: layerPath(layer), HOME: home }
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('|ok');
  });

  test('pwsh exit codes reach the caller', () => {
    const r = run('pwsh', ['-NoProfile', '-NonInteractive', '-Command', 'exit 7'], env);
    expect(r.code).toBe(7);
  });

  test('find and xargs work (busybox applets)', () => {
    const dir = path.join(work, 'tree');
    fs.mkdirSync(path.join(dir, 'a b/c'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a b/one.txt'), '1\n');
    fs.writeFileSync(path.join(dir, 'a b/c/two.txt'), '2\n');
    fs.writeFileSync(path.join(dir, 'skip.log'), 'x\n');
    const r = run(
      'bash',
      [
        '-c',
        'find . -type f -name "*.txt" -print0 | xargs -0 cat | sort | tr -d "\\n"; echo; find . -type d | wc -l',
      ],
      env,
      dir
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').map((l) => l.trim())).toEqual(['12', '3', '']);
  });

  test('the manifest matches the zip; every binary is x86_64 and needs glibc <= 2.34', () => {
    const { zip, manifest } = layerArtifacts(layer);
    const m = readManifest(manifest);
    expect(m.arch).toBe('x86_64');
    expect(m.pwsh.version).toBe('7.6.9');
    const entries = checkZipAgainstManifest(zip, m, 'x86_64');
    // No pdb files or satellite-resource folders made it in.
    expect(entries.filter((e) => /\.pdb$/.test(e.name))).toEqual([]);
    // Stays well inside Lambda's 250 MB (function + all layers, unzipped).
    expect(m.unzippedBytes).toBeLessThan(200 * 1024 * 1024);
  });

  test('running the interpreters wrote nothing into the layer', () => {
    const { zip } = layerArtifacts(layer);
    const expected = readZip(zip)
      .map((e) => e.name)
      .sort();
    const actual: string[] = [];
    const walk = (rel: string) => {
      for (const d of fs.readdirSync(path.join(layer, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        actual.push(r);
        if (d.isDirectory() && !d.isSymbolicLink()) walk(r);
      }
    };
    walk('');
    expect(actual.sort()).toEqual(expected);
  });

  test('a second build (ReadyToRun recompiled) gives a byte-identical zip', async () => {
    const { zip } = layerArtifacts(layer);
    // Share the downloaded packages, but not the crossgen2 output, so that step runs again.
    const mainCache = process.env.TIDEPOOL_LAYER_CACHE ?? path.join(REPO_ROOT, '.cache/layer');
    const cache = tmpDir('tidepool-layer-cache-');
    try {
      for (const sub of ['nuget', 'debs']) {
        if (fs.existsSync(path.join(mainCache, sub))) {
          fs.symlinkSync(path.join(mainCache, sub), path.join(cache, sub));
        }
      }
      const again = await buildLayer('x86_64', { cacheDir: cache });
      try {
        expect(sha256(fs.readFileSync(again.zip))).toBe(sha256(fs.readFileSync(zip)));
        expect(fs.readFileSync(again.zip).equals(fs.readFileSync(zip))).toBe(true);
      } finally {
        fs.rmSync(again.outDir, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test('the release-tarball route: a pinned tarball builds a working layer, a wrong hash is refused', async () => {
    const dir = tmpDir('tidepool-layer-tarball-');
    try {
      const tarball = path.join(dir, 'powershell-7.6.9-linux-x64.tar.gz');
      // Stand-in for the official tarball (not reachable here): the same pwsh tree, packed as the
      // release packs it (pwsh at the top level).
      const tar = spawnSync('tar', ['-czf', tarball, '-C', path.join(layer, 'powershell'), '.']);
      expect(tar.status).toBe(0);
      const hash = sha256(fs.readFileSync(tarball));

      await expect(
        buildLayer('x86_64', {
          extraArgs: ['--pwsh-tarball', tarball, '--pwsh-tarball-sha256', '0'.repeat(64)],
        })
      ).rejects.toThrow(/SHA-256 mismatch/);

      const built = await buildLayer('x86_64', {
        outDir: path.join(dir, 'out'),
        extraArgs: ['--pwsh-tarball', tarball, '--pwsh-tarball-sha256', hash],
      });
      const m = readManifest(built.manifest);
      expect(m.pwsh.route).toBe('tarball');
      expect(m.pwsh.sources[0]?.sha256).toBe(hash);
      checkZipAgainstManifest(built.zip, m, 'x86_64');
      const unpacked = path.join(dir, 'layer');
      unpackZip(built.zip, unpacked);
      const r = run(
        'pwsh',
        ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'],
        layerProcessEnv(unpacked, path.join(dir, 'tmp'))
      );
      expect(r.stdout.trim()).toBe('7.6.9');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('script-runtime layer (arm64)', () => {
  test('builds; every binary is an aarch64 ELF needing glibc <= 2.34; the manifest matches', async () => {
    const built = await buildLayer('arm64');
    try {
      const m = readManifest(built.manifest);
      expect(m.arch).toBe('arm64');
      const entries = checkZipAgainstManifest(built.zip, m, 'aarch64');
      const elves = entries.filter((e) => e.kind === 'file' && isElf(e.data));
      expect(elves.length).toBeGreaterThan(5);
      expect(elves.map((e) => e.name)).toEqual(
        expect.arrayContaining([
          'bin/bash',
          'libexec/busybox',
          'powershell/pwsh',
          'powershell/libcoreclr.so',
        ])
      );
    } finally {
      fs.rmSync(built.outDir, { recursive: true, force: true });
    }
  });
});
