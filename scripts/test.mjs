#!/usr/bin/env node
// npm test — the one test command CI runs: lint, types, unit + integration tests against a real
// Kafka and Redis started here, a production build, and the browser tests. Ends with "N passed, M failed".
// Subsets for developers: npm test -- --only=unit | integration | e2e | lint (comma-separated).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, findRedisServer, kafkaLibReady, startInfra } from './lib/infra.mjs';

const PARTS = ['lint', 'unit', 'integration', 'e2e'];
const CHROMIUM = '/usr/bin/chromium';

function parseOnly(argv) {
  const arg = argv.find((a) => a.startsWith('--only='));
  if (!arg) return new Set(PARTS);
  const parts = arg.slice('--only='.length).split(',').filter(Boolean);
  const bad = parts.filter((p) => !PARTS.includes(p));
  if (bad.length || parts.length === 0) {
    console.error(`test: unknown --only value ${bad.join(',') || '(empty)'}; use one or more of ${PARTS.join(', ')}`);
    process.exit(2);
  }
  return new Set(parts);
}

const only = parseOnly(process.argv.slice(2));
const full = only.size === PARTS.length;
const needsInfra = only.has('integration') || only.has('e2e');
const work = mkdtempSync(path.join(os.tmpdir(), 'weir-test-'));
/** One row per step: tests counted from reporters where there are any, else the step counts as one. */
const results = [];
let infra = null;
let current = null;
let interrupted = false;

const heading = (title) => console.log(`\n\x1b[1m━━ ${title} ━━\x1b[0m`);
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function bin(name) {
  const local = path.join(ROOT, 'node_modules', '.bin', name);
  return existsSync(local) ? [local] : ['npx', '--no-install', name];
}

/** Runs a command in its own process group (so a signal can stop its whole tree); resolves with the exit code. */
function run(argv, env = {}) {
  const [cmd, ...args] = argv;
  console.log(`$ ${[path.relative(ROOT, cmd) || cmd, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', detached: true, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env } });
    current = child;
    child.on('error', (e) => {
      console.error(`test: cannot run ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function record(name, ok, t0, counts) {
  const passed = counts ? counts.passed : ok ? 1 : 0;
  const failed = counts ? counts.failed + (ok || counts.failed > 0 ? 0 : 1) : ok ? 0 : 1;
  results.push({ name, ok: ok && failed === 0, passed, failed, time: secs(t0) });
  console.log(`${ok && failed === 0 ? '✔' : '✘'} ${name} (${secs(t0)})`);
  return ok && failed === 0;
}

function skip(name, why) {
  results.push({ name, ok: false, passed: 0, failed: 1, time: '-', note: why });
  console.log(`✘ ${name}: skipped, ${why}`);
  return false;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function vitestCounts(file) {
  const r = readJson(file);
  if (!r) return null;
  // A file that fails to load has no failed tests but is a failed suite.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed')).length;
  return { passed: r.numPassedTests ?? 0, failed: (r.numFailedTests ?? 0) + brokenFiles };
}

function playwrightCounts(file) {
  const r = readJson(file);
  if (!r?.stats) return null;
  // Global errors (a web server that would not start, a config error) fail the run without failing a test.
  return { passed: (r.stats.expected ?? 0) + (r.stats.flaky ?? 0), failed: (r.stats.unexpected ?? 0) + (r.errors?.length ?? 0) };
}

async function step(name, argv, { env, counts } = {}) {
  if (interrupted) return skip(name, `interrupted by ${interrupted}`);
  heading(name);
  const t0 = Date.now();
  const code = await run(argv, env);
  return record(name, code === 0, t0, counts?.());
}

function prerequisites() {
  heading('prerequisites');
  const t0 = Date.now();
  const missing = [];
  if (!existsSync(path.join(ROOT, 'node_modules'))) missing.push('node_modules (run npm ci)');
  if (needsInfra && !kafkaLibReady()) missing.push('infra/kafka/lib (the Kafka jars)');
  if (needsInfra && !findRedisServer()) missing.push('redis-server');
  if (only.has('e2e') && !existsSync(CHROMIUM)) missing.push(CHROMIUM);
  if (missing.length) {
    console.error(`missing: ${missing.join(', ')}\n→ run \`npm run setup\` (it installs what is missing), then npm test again.`);
  } else {
    console.log('Kafka jars, redis-server, chromium: ok');
  }
  return record('prerequisites', missing.length === 0, t0);
}

async function stopInfra() {
  if (!infra) return;
  const i = infra;
  infra = null;
  heading('stop Kafka and Redis');
  const t0 = Date.now();
  await i.stop();
  console.log(`stopped (${secs(t0)})`);
}

function summary() {
  heading('summary');
  for (const r of results) console.log(`${r.ok ? '✔' : '✘'} ${r.name.padEnd(28)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${r.time}${r.note ? `  (${r.note})` : ''}`);
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

// The main flow sees `interrupted`, skips what is left, stops the infra and still prints the summary.
function onSignal(sig) {
  // A second signal means "now": the infra's exit hook still kills Kafka and Redis.
  if (interrupted) process.exit(130);
  interrupted = sig;
  console.error(`\ntest: ${sig}, stopping…`);
  if (current) {
    try {
      process.kill(-current.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => onSignal(sig));

async function main() {
  const t0 = Date.now();
  if (!prerequisites()) return;

  if (only.has('lint')) {
    await step('eslint', [...bin('eslint'), '.']);
    await step('tsc --noEmit', [...bin('tsc'), '--noEmit']);
  }

  if (needsInfra && !interrupted) {
    heading('start Kafka and Redis');
    const s0 = Date.now();
    try {
      infra = await startInfra({ dir: path.join(work, 'infra'), handleSignals: false });
      console.log(`KAFKA_BROKERS=${infra.KAFKA_BROKERS} REDIS_URL=${infra.REDIS_URL}`);
      record('start Kafka and Redis', true, s0);
    } catch (e) {
      console.error(e.message);
      record('start Kafka and Redis', false, s0);
    }
  }
  const infraEnv = infra ? { KAFKA_BROKERS: infra.KAFKA_BROKERS, REDIS_URL: infra.REDIS_URL } : null;

  if (only.has('unit') || only.has('integration')) {
    const projects = only.has('unit') && only.has('integration') ? [] : only.has('unit') ? ['--project', 'unit'] : ['--project', 'integration'];
    const name = `vitest ${projects.length ? projects[1] : 'unit + integration'}`;
    if (only.has('integration') && !infraEnv) skip(name, 'Kafka/Redis did not start');
    else {
      const out = path.join(work, 'vitest.json');
      await step(name, [...bin('vitest'), 'run', ...projects, '--reporter=default', '--reporter=json', `--outputFile=${out}`], {
        env: infraEnv ?? {},
        counts: () => vitestCounts(out),
      });
    }
  }

  if (only.has('e2e')) {
    // The build must not depend on a running Kafka or Redis.
    const built = await step('next build', [...bin('next'), 'build'], { env: { KAFKA_BROKERS: '', REDIS_URL: '' } });
    if (!built) skip('playwright', 'the build failed');
    else if (!infraEnv) skip('playwright', 'Kafka/Redis did not start');
    else {
      const out = path.join(work, 'playwright.json');
      // The app servers' data dirs live in the work dir, so a passing run leaves nothing behind.
      const dataDirs = { WEIR_E2E_REAL_DATA_DIR: path.join(work, 'e2e-real'), WEIR_E2E_EMBEDDED_DATA_DIR: path.join(work, 'e2e-embedded') };
      for (const d of Object.values(dataDirs)) mkdirSync(d, { recursive: true });
      await step('playwright', [...bin('playwright'), 'test', '--reporter=list,json'], {
        env: { ...infraEnv, ...dataDirs, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
        counts: () => playwrightCounts(out),
      });
    }
  }
  console.log(`\n${full ? 'full run' : `--only=${[...only].join(',')}`} took ${secs(t0)}`);
}

let failed = 1;
try {
  await main();
} catch (e) {
  console.error(`test: ${e.stack ?? e}`);
  results.push({ name: 'test runner', ok: false, passed: 0, failed: 1, time: '-' });
} finally {
  await stopInfra().catch((e) => console.error(`test: stopping infra: ${e.message}`));
  if (results.some((r) => !r.ok)) console.log(`\nlogs (Kafka, Redis, reporter JSON) kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  failed = summary();
}
process.exit(interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : failed === 0 ? 0 : 1);
