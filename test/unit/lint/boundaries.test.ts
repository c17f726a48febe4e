// The layers of docs/architecture.md ("Layers") are enforced by lint: an import that breaks the
// folder → may-import table fails `npm run lint`, the real tree passes, and the table in the
// docs is the one the rule (`layers/may-import` in eslint.config.mjs) reads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

interface Lint {
  /** Per probe: the `layers/may-import` messages, as "line: message". */
  probes: string[][];
  /** Files linted in the real tree, and its `layers/may-import` messages. */
  tree: { files: number; messages: string[] };
  layers: Record<string, { layer: string; may: string[]; not: string[] }>;
  groups: Record<string, string[]>;
}

// ESLint loads eslint.config.mjs with import(), which jest's module sandbox cannot do: its Node
// API runs in a child process, with the project's own config. A probe is linted as text under a
// file name in the tree (ESLint's lintText), so nothing is written where other tools look.
const RUNNER = `
import { ESLint } from 'eslint';
const job = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: job.root });
const ours = (r) => r.messages.filter((m) => m.ruleId === 'layers/may-import');
const probes = [];
for (const p of job.probes) {
  const [result] = await eslint.lintText(p.code, { filePath: job.root + '/' + p.file });
  probes.push(ours(result).map((m) => m.line + ': ' + m.message));
}
const results = await eslint.lintFiles(['src', 'functions']);
const tree = {
  files: results.length,
  messages: results.flatMap((r) => ours(r).map((m) => r.filePath + ':' + m.line + ': ' + m.message)),
};
const { LAYERS, GROUPS } = await import(job.root + '/eslint.config.mjs');
process.stdout.write(JSON.stringify({ probes, tree, layers: LAYERS, groups: GROUPS }));
`;

function lint(probes: Array<{ file: string; code: string }>): Lint {
  const job = JSON.stringify({ root: ROOT, probes });
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', RUNNER, job], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out) as Lint;
}

const refused = (what: string) => expect.stringContaining(what);

const PROBES = [
  {
    name: 'the pure core imports nothing that does I/O, nor a higher layer, functions/ or test/',
    file: 'src/collect/layer-probe.ts',
    code: [
      "import { readFileSync } from 'node:fs';",
      "import { spawn } from 'child_process';",
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import type { PipelineDeps } from '../pipeline/deps';",
      "import { handler } from '../../functions/step-runner/handler';",
      "export { bashStep } from '../../test/helpers/pipeline';",
      'export const all = [readFileSync, spawn, S3Client, handler] as unknown as PipelineDeps;',
    ].join('\n'),
    expected: [
      refused('1: src/collect (pure core) may not import node:fs'),
      refused('2: src/collect (pure core) may not import child_process'),
      refused('3: src/collect (pure core) may not import @aws-sdk/client-s3'),
      refused('4: src/collect (pure core) may not import src/pipeline/deps'),
      refused('5: src/collect (pure core) may not import functions/step-runner/handler'),
      refused('6: src/collect (pure core) may not import test/helpers/pipeline'),
    ],
  },
  {
    name: 'what its row allows is fine: its own files, the contract, node:path',
    file: 'src/collect/layer-probe.ts',
    code: [
      "import * as path from 'node:path';",
      "import type { StepMessage } from '../step/types';",
      "import { Masker } from './masker';",
      'export const all = [path, Masker] as unknown as StepMessage;',
    ].join('\n'),
    expected: [],
  },
  {
    name: 'the pure part of integrity does not import its configuration reader',
    file: 'src/integrity/layer-probe.ts',
    code: "export { integrityFromConfig } from './config';",
    expected: [refused('1: src/integrity (pure core) may not import src/integrity/config')],
  },
  {
    name: 'the pipeline reaches stores and processes only through ports',
    file: 'src/pipeline/stages/layer-probe.ts',
    code: [
      "import type { ObjectStore } from '../../store/object-store';",
      "import { FsObjectStore } from '../../store/fs-store';",
      "const host = import('../../run/local-host');",
      'export const all = [FsObjectStore, host] as unknown as ObjectStore;',
    ].join('\n'),
    expected: [
      refused('2: src/pipeline (pipeline) may not import src/store/fs-store'),
      refused('3: src/pipeline (pipeline) may not import src/run/local-host'),
    ],
  },
  {
    name: 'adapters and the composition do not import the command line',
    file: 'src/run/layer-probe.ts',
    code: "export type { UsageError } from '../cli/args';",
    expected: [refused('1: src/run (adapters) may not import src/cli/args')],
  },
  {
    name: 'the worker holds no S3 client of its own',
    file: 'src/worker/layer-probe.ts',
    code: [
      "import { S3ObjectStore } from '../aws/s3-store';",
      "import { SQSClient } from '@aws-sdk/client-sqs';",
      'export const all = [S3ObjectStore, SQSClient];',
    ].join('\n'),
    expected: [
      refused('1: src/worker (worker) may not import src/aws/s3-store'),
      refused('2: src/worker (worker) may not import @aws-sdk/client-sqs'),
    ],
  },
  {
    name: 'nothing in src/ imports the Lambda shell',
    file: 'src/local/layer-probe.ts',
    code: "export { handler } from '../../functions/step-runner/handler';",
    expected: [refused('1: src/local (composition) may not import functions/step-runner/handler')],
  },
];

/** The table under "## Layers": folder → [layer, may-import cell, may-not-import cell]. */
function docsTable(): { rows: Map<string, string[]>; groups: Map<string, string> } {
  const docs = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const section = docs.slice(
    docs.indexOf('## Layers'),
    docs.indexOf('\n## ', docs.indexOf('## Layers') + 1)
  );
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| ') && l.includes('`'))) {
    const [layer = '', folder = '', may = '', not = ''] = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    rows.set(/`([^`]+)`/.exec(folder)?.[1] ?? folder, [layer, may, not]);
  }
  // The list under the table: "- *name*: `member`, `member` — what they are".
  const list = section.split('\n\n').find((p) => p.startsWith('- *')) ?? '';
  const groups = new Map<string, string>();
  for (const item of list.split(/^- /m).slice(1)) {
    const match = /^\*([^*]+)\*: ([^—]*)/.exec(item.replace(/\n\s*/g, ' '));
    if (match?.[1] && match[2]) groups.set(match[1], match[2]);
  }
  return { rows, groups };
}

/** A cell's names: `literal` ones, and *group* ones expanded with the config's groups. */
function namesIn(cell: string, groups: Record<string, string[]>): string[] {
  const names: string[] = [];
  for (const [, literal, group] of cell.matchAll(/`([^`]+)`|\*([^*]+)\*/g)) {
    if (literal) names.push(literal);
    else if (group) names.push(...(groups[group] ?? [`unknown group ${group}`]));
  }
  return names.sort();
}

describe('layers enforced by lint (docs/architecture.md, "Layers")', () => {
  let result: Lint;

  beforeAll(() => {
    result = lint(PROBES.map(({ file, code }) => ({ file, code })));
  }, 60_000);

  it.each(PROBES.map((p, i) => [p.name, i] as const))('%s', (_name, i) => {
    expect(result.probes[i]).toStrictEqual(PROBES[i]?.expected);
  });

  it('the real tree breaks no row', () => {
    expect(result.tree.messages).toStrictEqual([]);
    expect(result.tree.files).toBeGreaterThan(100);
  });

  it('the table in the docs is the one lint reads', () => {
    const { rows, groups } = docsTable();
    expect([...rows.keys()].sort()).toStrictEqual(Object.keys(result.layers).sort());
    for (const [folder, rule] of Object.entries(result.layers)) {
      const [layer, may = '', not = ''] = rows.get(folder) ?? [];
      expect({
        folder,
        layer,
        may: namesIn(may, result.groups),
        not: namesIn(not, result.groups),
      }).toStrictEqual({
        folder,
        layer: rule.layer,
        may: [...rule.may].sort(),
        not: [...rule.not].sort(),
      });
    }
    expect([...groups.keys()].sort()).toStrictEqual(Object.keys(result.groups).sort());
    for (const [name, members] of Object.entries(result.groups)) {
      const listed = [...(groups.get(name) ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      expect({ name, members: listed.sort() }).toStrictEqual({
        name,
        members: [...members].sort(),
      });
    }
  });
});
