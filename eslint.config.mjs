import tseslint from 'typescript-eslint';

const serverOnly = ['kafkajs', 'ioredis', 'maxmind', 'ua-parser-js', 'fs', 'node:*', 'child_process'];
const serverDirs = ['bus', 'store', 'runtime'];
// processor/ is server code except its pure parsers (parse/, expression/), which node specs share:
// match processor's children (not the folder itself) so gitignore-style negation can re-include them.
const pureProcessor = ['parse', 'expression'];
const processorPatterns = ['**/engine/processor/*', '@/engine/processor/*', '../processor/*', '../../processor/*'];
const processorExceptions = processorPatterns.flatMap((p) => pureProcessor.map((d) => `!${p.slice(0, -1)}${d}`));
// agent/ is server code except the Flume properties converter, which the editor uses to import/export.
const agentPatterns = ['**/engine/agent/*', '@/engine/agent/*', '../agent/*', '../../agent/*'];
const agentExceptions = agentPatterns.map((p) => `!${p.slice(0, -1)}flume-config`);
const serverEngine = [
  ...serverDirs.flatMap((d) => [`**/engine/${d}`, `**/engine/${d}/**`, `@/engine/${d}`, `@/engine/${d}/**`]),
  ...processorPatterns,
  ...agentPatterns,
  '**/engine/nodes/*/run', '**/engine/nodes/*/run.ts', '**/engine/nodes/runners', '@/engine/nodes/*/run', '@/engine/nodes/runners',
];
// engine/spec and engine/nodes/*/spec.ts reach server dirs by relative paths too.
const relativeServer = serverDirs.flatMap((d) => [`../${d}`, `../${d}/**`, `../../${d}`, `../../${d}/**`]).concat(['./run', '../runners', '../*/run']);


export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', 'infra/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts', '.weir*/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  {
    // The engine runs pipelines; it never knows about the UI.
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/app/**', '@/app/**', '**/components/**', '@/components/**'], message: 'engine/ must not import app/ or components/ (DESIGN.md: engine never imports UI).' },
          { group: ['react', 'react-dom', 'react/*', 'next', 'next/*'], message: 'engine/ is framework-free: no React or Next imports.' },
        ],
      }],
    },
  },
  {
    // Browser-safe engine parts: the document, graph rules and node specs ship to the browser.
    files: ['engine/spec/**/*.ts', 'engine/nodes/*/spec.ts', 'engine/nodes/registry.ts', 'engine/processor/parse/**/*.ts', 'engine/processor/expression/**/*.ts', 'engine/agent/flume-config/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: serverOnly.filter((p) => !p.includes('*')).map((name) => ({ name, message: 'spec code is browser-safe: no server-only modules.' })),
        patterns: [
          { group: ['node:*', ...serverEngine, ...relativeServer, ...processorExceptions, ...agentExceptions], message: 'spec code is browser-safe: no server-only modules.' },
          { group: ['**/app/**', '@/app/**', '**/components/**', '@/components/**', 'react', 'next', 'next/*'], message: 'engine/ must not import UI code.' },
        ],
      }],
    },
  },
  {
    // Browser code: only engine/spec and engine/nodes/*/spec (via the registry) may be imported.
    files: ['components/**/*.ts', 'components/**/*.tsx', 'app/**/*.tsx', 'app/**/*.ts'],
    ignores: ['app/api/**', 'app/**/route.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: serverOnly.filter((p) => !p.includes('*')).map((name) => ({ name, message: 'browser code must not import server-only modules (DESIGN.md).' })),
        patterns: [
          { group: ['node:*', ...serverEngine, ...processorExceptions, ...agentExceptions], message: 'browser code may import engine/spec and engine/nodes/*/spec only (DESIGN.md).' },
        ],
      }],
    },
  },
);
