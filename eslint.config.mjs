import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jest from 'eslint-plugin-jest';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- layers
//
// The dependency direction of docs/architecture.md ("Layers"), as data: for each folder of src/
// (or file, where one file of a folder is of another layer) what in the repository it may import,
// and which packages it may not. Anything not listed is refused, so src/ never imports
// functions/ or test/. `may` names folders or files that are keys here themselves (a key's own
// files may import each other), a port module (a file of another key, e.g. src/store/object-store)
// or a folder outside src/ (schemas). test/unit/lint/boundaries.test.ts keeps the table in
// docs/architecture.md equal to this one.

/** The folders and modules rows name together; docs/architecture.md lists them under the table. */
export const GROUPS = {
  /** Node built-ins and packages that do I/O or reach AWS: none in the pure core or the pipeline. */
  io: [
    'fs',
    'child_process',
    'os',
    'net',
    'http',
    'https',
    'dgram',
    'cluster',
    'worker_threads',
    '@aws-sdk/*',
    '@aws-lambda-powertools/*',
    'fauxqs',
  ],
  /** The contract and the pure core. */
  core: [
    'src/step',
    'src/rules',
    'src/octostache',
    'src/collect',
    'src/bootstrap',
    'src/templates',
    'src/integrity',
    'src/bucket',
  ],
  'store ports': ['src/store/object-store', 'src/store/claims-store', 'src/store/store-error'],
  adapters: ['src/store', 'src/aws', 'src/run', 'src/integrity/config.ts'],
};
const { io, core, adapters } = GROUPS;
const storePorts = GROUPS['store ports'];
const belowShells = [
  ...core,
  'src/pipeline',
  ...adapters,
  'src/worker',
  'src/compose',
  'src/local',
];

export const LAYERS = {
  'src/step': { layer: 'contract', may: ['schemas'], not: io },
  'src/rules': { layer: 'pure core', may: [], not: io },
  'src/octostache': { layer: 'pure core', may: [], not: io },
  'src/collect': { layer: 'pure core', may: ['src/step', 'src/rules'], not: io },
  'src/bootstrap': { layer: 'pure core', may: ['src/step', 'src/rules'], not: io },
  'src/templates': { layer: 'pure core', may: ['src/step'], not: io },
  'src/integrity': { layer: 'pure core', may: ['src/step', 'src/rules', 'src/bucket'], not: io },
  'src/bucket': { layer: 'pure core', may: ['src/step', 'src/collect'], not: io },
  'src/pipeline': { layer: 'pipeline', may: [...core, 'src/store/object-store'], not: io },
  'src/store': { layer: 'adapters', may: core, not: [] },
  'src/aws': { layer: 'adapters', may: [...core, ...storePorts], not: [] },
  'src/run': { layer: 'adapters', may: [...core, 'src/pipeline/ports'], not: [] },
  'src/integrity/config.ts': { layer: 'adapters', may: core, not: [] },
  'src/worker': {
    layer: 'worker',
    may: [...core, 'src/pipeline', ...storePorts],
    not: ['fs', 'child_process', '@aws-sdk/*'],
  },
  'src/compose': {
    layer: 'composition',
    may: [...core, 'src/pipeline', ...adapters, 'src/worker'],
    not: [],
  },
  'src/local': {
    layer: 'composition',
    may: [...core, 'src/pipeline', ...adapters, 'src/worker', 'src/compose'],
    not: [],
  },
  'src/cli': { layer: 'shells', may: belowShells, not: [] },
  functions: { layer: 'shells', may: belowShells, not: [] },
};

/** An absolute path as the table names it: from the repository's root, '/'-separated, no extension. */
const repoPath = (p) =>
  path
    .relative(ROOT, p)
    .split(path.sep)
    .join('/')
    .replace(/\.(ts|mjs|cjs|js)$/, '');
const withoutExtension = (p) => p.replace(/\.(ts|mjs|cjs|js)$/, '');
const inside = (p, key) => {
  const base = withoutExtension(key);
  return p === base || p.startsWith(`${base}/`);
};
/** The most specific key of LAYERS a repository path belongs to. */
const unitOf = (p) =>
  Object.keys(LAYERS)
    .filter((key) => inside(p, key))
    .sort((a, b) => b.length - a.length)[0];
/** 'node:fs/promises' → 'fs/promises'; matches 'fs', a subpath of it, or a scope's '@scope/*'. */
const packageMatches = (spec, pattern) => {
  const name = spec.replace(/^node:/, '');
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern || name.startsWith(`${pattern}/`);
};

/** Why `unit` may not import `spec` from `file`, or undefined when it may. */
function refusal(unit, file, spec) {
  const rule = LAYERS[unit];
  if (!spec.startsWith('.')) {
    const pkg = rule.not.find((pattern) => packageMatches(spec, pattern));
    return pkg && `${unit} (${rule.layer}) may not import ${spec}`;
  }
  const target = repoPath(path.resolve(path.dirname(file), spec));
  const targetUnit = unitOf(target);
  if (targetUnit === unit) return undefined;
  const allowed = targetUnit
    ? rule.may.includes(targetUnit) || rule.may.some((m) => !LAYERS[m] && target === m)
    : rule.may.some((m) => inside(target, m));
  return allowed ? undefined : `${unit} (${rule.layer}) may not import ${target}`;
}

const mayImport = {
  meta: {
    type: 'problem',
    docs: { description: "Imports follow docs/architecture.md's folder → may-import table" },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const unit = unitOf(repoPath(file));
    if (!unit) return {};
    const check = (node, source) => {
      if (typeof source?.value !== 'string') return;
      const why = refusal(unit, file, source.value);
      if (why)
        context.report({ node, message: `${why}: see its row in docs/architecture.md, "Layers"` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportEqualsDeclaration: (node) => check(node, node.moduleReference.expression),
      TSImportType: (node) => check(node, node.source),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require')
          check(node, node.arguments[0]);
      },
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test/data/**',
      '*.js',
      '*.mjs',
      'src/**/*.generated.ts',
    ],
  },
  js.configs.recommended,
  { files: ['**/*.mjs'], languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,mjs}', 'functions/**/*.{ts,mjs}'],
    plugins: { layers: { rules: { 'may-import': mayImport } } },
    rules: { 'layers/may-import': 'error' },
  },
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': 'off',
    },
  },
  prettier
);
