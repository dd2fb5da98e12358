#!/usr/bin/env node
// npm run infra:up | infra:down — a Kafka and a Redis that outlive this command, for development.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, isAlive, kafkaReady, killPids, redisPing, startInfra } from './lib/infra.mjs';

const DIR = path.join(ROOT, '.weir-infra');
const STATE = path.join(DIR, 'state.json');

function readState() {
  try {
    return JSON.parse(readFileSync(STATE, 'utf8'));
  } catch {
    return null;
  }
}

// A pid from an old state file may have been reused by an unrelated process after a reboot.
function isOurs(pid, needle) {
  if (!pid || !isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return true;
  }
}

function printEnv(env) {
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  console.log(`export ${pairs.join(' ')}`);
  console.error('# eval "$(npm run -s infra:up)" sets these in your shell; `npm run infra:down` stops them.');
}

async function isUp(state) {
  if (!state) return false;
  const kafkaOk = !state.pids.kafka || (isOurs(state.pids.kafka, 'kafka.Kafka') && (await kafkaReady(state.env.KAFKA_BROKERS)));
  const redisOk = !state.pids.redis || (isOurs(state.pids.redis, 'redis-server') && (await redisPing(state.ports.redis)));
  return kafkaOk && redisOk;
}

async function down(state, quiet = false) {
  if (!state) {
    if (!quiet) console.error('infra: nothing to stop (no .weir-infra/state.json).');
    return;
  }
  const pids = [];
  if (isOurs(state.pids.kafka, 'kafka.Kafka')) pids.push(state.pids.kafka);
  if (isOurs(state.pids.redis, 'redis-server')) pids.push(state.pids.redis);
  await killPids(pids, 15_000);
  for (const d of state.dataDirs ?? []) rmSync(d, { recursive: true, force: true });
  rmSync(STATE, { force: true });
  if (!quiet) console.error(`infra: stopped ${pids.length ? `pids ${pids.join(', ')}` : '(already gone)'}.`);
}

async function up() {
  const state = readState();
  if (await isUp(state)) {
    console.error('infra: already up.');
    printEnv(state.env);
    return;
  }
  await down(state, true);
  const t0 = Date.now();
  console.error('infra: starting Kafka 3.9.1 (KRaft) and Redis…');
  const infra = await startInfra({ dir: DIR, detached: true });
  const next = { pids: infra.pids, ports: infra.ports, env: infra.env, logs: infra.logs, dataDirs: infra.dataDirs, startedAt: new Date().toISOString() };
  writeFileSync(STATE, JSON.stringify(next, null, 2) + '\n');
  console.error(`infra: up in ${((Date.now() - t0) / 1000).toFixed(1)} s (logs in .weir-infra/).`);
  printEnv(infra.env);
}

const cmd = process.argv[2];
try {
  if (cmd === 'up') await up();
  else if (cmd === 'down') await down(readState());
  else if (cmd === 'status') console.log(existsSync(STATE) && (await isUp(readState())) ? 'up' : 'down');
  else {
    console.error('usage: node scripts/infra.mjs up|down|status');
    process.exitCode = 2;
  }
} catch (e) {
  console.error(`infra: ${e.message}`);
  process.exitCode = 1;
}
