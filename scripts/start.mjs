#!/usr/bin/env node
// `npm start`: build once (or again when sources changed), then serve. Works on a bare machine:
// with no KAFKA_BROKERS / REDIS_URL the engine runs on its embedded bus and store.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
process.env.NEXT_TELEMETRY_DISABLED = '1';
const port = process.env.PORT || '3000';
const next = path.join(root, 'node_modules', '.bin', 'next');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.next', '.git', 'e2e', 'test-results', 'infra'].includes(entry.name) || entry.name.startsWith('.weir')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const buildId = path.join(root, '.next', 'BUILD_ID');
const stale = !existsSync(buildId) || newestSource(root) > statSync(buildId).mtimeMs;
if (stale) {
  console.log('[weir] building the app (first start or sources changed; takes a minute or two)…');
  const r = spawnSync(next, ['build'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[weir] the build failed; the messages above say why. Fix them and run `npm start` again.');
    process.exit(r.status ?? 1);
  }
}

const mode = process.env.KAFKA_BROKERS ? `Kafka at ${process.env.KAFKA_BROKERS}` : 'the embedded bus';
const store = process.env.REDIS_URL ? `Redis at ${process.env.REDIS_URL}` : 'the embedded store';
console.log(`[weir] starting on http://localhost:${port} with ${mode} and ${store}`);
const server = spawn(next, ['start', '-p', port], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code) => process.exit(code ?? 0));
