// Starts a real single-node Kafka (KRaft, from infra/kafka/lib) and a Redis on free loopback ports.
// Used by `npm test` (attached: children die with this process) and `npm run infra:up` (detached).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KAFKA_LIB = path.join(ROOT, 'infra', 'kafka', 'lib');
const KAFKA_LOG4J = path.join(ROOT, 'infra', 'kafka', 'log4j.properties');
const KAFKA_MAIN_JAR = 'kafka_2.13-3.9.1.jar';
const SETUP_HINT = 'Run `npm run setup` (it installs redis-server and copies the Kafka jars into infra/kafka/lib).';

export function kafkaLibReady() {
  if (!existsSync(KAFKA_LIB)) return false;
  const jars = readdirSync(KAFKA_LIB);
  return ['kafka_2.13-3.9.1.jar', 'kafka-tools-3.9.1.jar', 'slf4j-reload4j-1.7.36.jar', 'kafka-clients-3.9.1.jar'].every((j) => jars.includes(j));
}

export function findRedisServer() {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin', '/usr/sbin')) {
    const p = path.join(dir || '.', 'redis-server');
    if (existsSync(p)) return p;
  }
  return null;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function tcpConnect(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

export function redisPing(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    s.on('error', () => done(false));
  });
}

// kafkajs is a project dependency; a successful metadata round trip means the broker serves clients,
// which a bare TCP connect does not (the socket opens before the broker has registered).
export async function kafkaReady(brokers) {
  const { Kafka, logLevel } = createRequire(path.join(ROOT, 'package.json'))('kafkajs');
  const admin = new Kafka({ clientId: 'weir-infra-probe', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000, requestTimeout: 5000 }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function kafkaProperties({ port, controllerPort, dataDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    // A static voter set: with it, 3.9's StorageTool formats without --standalone.
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    // 50 offset partitions cost a second on 2 cores at the first group join; a local broker needs few.
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'group.initial.rebalance.delay.ms=0',
    // Weir pre-creates its topics; auto-creation gives kafkajs transient leader errors.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

// Kafka's CLI reads a cluster id starting with '-' as an option, so Kafka's own generator avoids it.
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function runToEnd(cmd, args, logFile) {
  return new Promise((resolve) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', (err) => resolve({ code: -1, err }));
    child.on('exit', (code) => resolve({ code }));
  });
}

function launch(cmd, args, logFile, detached) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  if (detached) child.unref();
  const state = { exited: false, code: null, error: null };
  child.on('error', (err) => Object.assign(state, { exited: true, error: err }));
  child.on('exit', (code, signal) => Object.assign(state, { exited: true, code: code ?? signal }));
  return { child, state };
}

async function waitUntil(what, probe, { proc, logFile, timeoutMs, hint }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.state.exited) {
      throw startupError(`${what} exited during startup (${proc.state.error?.message ?? `exit ${proc.state.code}`}).`, logFile, hint);
    }
    if (await probe()) return;
    await sleep(250);
  }
  throw startupError(`${what} did not answer within ${Math.round(timeoutMs / 1000)} s.`, logFile, hint);
}

function startupError(message, logFile, hint) {
  const err = new Error(`${message}\n--- last lines of ${logFile} ---\n${tail(logFile)}\n---\n${hint}`);
  err.code = 'infra_start_failed';
  return err;
}

async function startKafka(dir, detached) {
  if (!kafkaLibReady()) throw new Error(`infra/kafka/lib is missing or incomplete. ${SETUP_HINT}`);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dataDir = path.join(dir, 'kafka-data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const propsFile = path.join(dir, 'kafka.properties');
  writeFileSync(propsFile, kafkaProperties({ port, controllerPort, dataDir }));
  const logFile = path.join(dir, 'kafka.log');
  const cp = `${KAFKA_LIB}/*`;
  const log4j = `-Dlog4j.configuration=file:${KAFKA_LOG4J}`;
  const hint = `Check that Java 17 runs (\`java -version\`) and the ports are free. ${SETUP_HINT}`;

  const fmt = await runToEnd('java', ['-Xmx256m', log4j, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propsFile], logFile);
  if (fmt.err?.code === 'ENOENT') throw new Error(`java was not found on PATH. Install a Java 17 runtime (Debian: apt-get install -y openjdk-17-jre-headless), then retry.`);
  if (fmt.code !== 0) throw startupError(`Formatting Kafka storage failed (${fmt.err?.message ?? `exit ${fmt.code}`}).`, logFile, hint);

  const jvm = ['-Xmx512m', '-Xms256m', '-XX:+UseG1GC', '-Djava.awt.headless=true', log4j, '-cp', cp, 'kafka.Kafka', propsFile];
  const brokers = `127.0.0.1:${port}`;
  const proc = await launchKafka({ jvm, logFile, detached, port, brokers, hint });
  return { pid: proc.child.pid, proc, port, controllerPort, dataDir, logFile, brokers, jvm, hint, detached };
}

async function launchKafka({ jvm, logFile, detached, port, brokers, hint }) {
  const proc = launch('java', jvm, logFile, detached);
  try {
    await waitUntil('Kafka', async () => (await tcpConnect(port)) && (await kafkaReady(brokers)), { proc, logFile, timeoutMs: 90_000, hint });
  } catch (e) {
    proc.child.kill('SIGKILL');
    throw e;
  }
  return proc;
}

async function startRedis(dir, detached) {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server is not installed. ${SETUP_HINT}`);
  const port = await freePort();
  const dataDir = path.join(dir, 'redis-data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dataDir];
  const proc = launch(bin, args, logFile, detached);
  try {
    await waitUntil('Redis', () => redisPing(port), { proc, logFile, timeoutMs: 20_000, hint: `Check that ${bin} runs. ${SETUP_HINT}` });
  } catch (e) {
    proc.child.kill('SIGKILL');
    throw e;
  }
  return { pid: proc.child.pid, proc, port, dataDir, logFile, url: `redis://127.0.0.1:${port}` };
}

/** SIGTERM, then SIGKILL after graceMs; resolves when every pid is gone. */
export async function killPids(pids, graceMs = 10_000) {
  const live = pids.filter((p) => p && isAlive(p));
  for (const p of live) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (live.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const p of live.filter(isAlive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  while (live.some(isAlive)) await sleep(50);
}

// A watchdog outlives a SIGKILLed parent: it sees its stdin close, kills the children and removes
// their data, which no 'exit' or signal handler in the parent can do.
const WATCHDOG = `
const [pids, dirs] = JSON.parse(process.argv[1]);
const alive = (p) => { try { process.kill(p, 0); return true; } catch { return false; } };
const kill = (sig) => { for (const p of pids) { try { process.kill(p, sig); } catch {} } };
process.stdin.resume();
process.stdin.on('close', () => {
  kill('SIGTERM');
  const t0 = Date.now();
  const tick = setInterval(() => {
    if (pids.some(alive) && Date.now() - t0 < 5000) return;
    kill('SIGKILL');
    clearInterval(tick);
    setTimeout(() => { for (const d of dirs) require('fs').rmSync(d, { recursive: true, force: true }); }, 200);
  }, 100);
});`;

function startWatchdog(pids, dirs) {
  const dog = spawn(process.execPath, ['-e', WATCHDOG, JSON.stringify([pids, dirs])], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  dog.unref();
  dog.stdin.unref?.();
  dog.stdin.on('error', () => {});
  return dog;
}

/**
 * Starts Kafka and/or Redis, waits until both serve clients, and returns their addresses.
 * Attached (default): the children die with this process (exit, SIGINT, SIGTERM, even SIGKILL via a
 * watchdog). Detached: they outlive it (npm run infra:up), and the caller records `pids`.
 */
export async function startInfra({ dir, kafka = true, redis = true, detached = false, handleSignals = !detached }) {
  if (!dir) throw new Error('startInfra needs a dir for logs and data');
  mkdirSync(dir, { recursive: true });
  const started = [];
  const stopAll = async () => {
    await killPids(started.map((s) => s.pid));
    for (const s of started) rmSync(s.dataDir, { recursive: true, force: true });
  };

  let k;
  let r;
  try {
    // Redis boots in milliseconds; start it while the JVM warms up.
    const [kr, rr] = await Promise.allSettled([
      kafka ? startKafka(dir, detached) : Promise.resolve(null),
      redis ? startRedis(dir, detached) : Promise.resolve(null),
    ]);
    for (const x of [kr, rr]) if (x.status === 'fulfilled' && x.value) started.push(x.value);
    const failed = [kr, rr].find((x) => x.status === 'rejected');
    if (failed) throw failed.reason;
    k = kr.value;
    r = rr.value;
  } catch (e) {
    await stopAll();
    throw e;
  }

  const env = {};
  if (k) env.KAFKA_BROKERS = k.brokers;
  if (r) env.REDIS_URL = r.url;
  const pids = { kafka: k?.pid ?? null, redis: r?.pid ?? null };

  let stopping = null;
  const cleanups = [];
  const stop = () => {
    stopping ??= (async () => {
      for (const c of cleanups) c();
      await stopAll();
    })();
    return stopping;
  };

  if (!detached) {
    const dog = startWatchdog(started.map((s) => s.pid), started.map((s) => s.dataDir));
    cleanups.push(() => dog.kill('SIGKILL'));
    const onExit = () => {
      for (const s of started) {
        try {
          process.kill(s.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        rmSync(s.dataDir, { recursive: true, force: true });
      }
    };
    process.on('exit', onExit);
    cleanups.push(() => process.off('exit', onExit));
    if (handleSignals) {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        const h = () => {
          console.error(`\n${sig}: stopping Kafka and Redis…`);
          stop().finally(() => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
        };
        process.once(sig, h);
        cleanups.push(() => process.off(sig, h));
      }
    }
  }

  /**
   * Broker outage tests: stops the Kafka child (SIGTERM, a clean shutdown; `{ kill: true }` for
   * SIGKILL) and starts it again on the same ports and data dir. Kafka must have been started here.
   */
  const kafkaEntry = () => {
    if (!k) throw new Error('this infra has no Kafka');
    return started.find((s) => s.brokers === k.brokers);
  };
  const stopKafka = async ({ kill = false } = {}) => {
    const entry = kafkaEntry();
    if (!entry.pid || !isAlive(entry.pid)) return;
    if (kill) {
      try {
        process.kill(entry.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await killPids([entry.pid], 30_000);
  };
  const restartKafka = async () => {
    const entry = kafkaEntry();
    await stopKafka();
    const proc = await launchKafka(entry);
    entry.proc = proc;
    entry.pid = proc.child.pid;
    pids.kafka = entry.pid;
    if (!detached) {
      const dog = startWatchdog([entry.pid], []);
      cleanups.push(() => dog.kill('SIGKILL'));
    }
    return entry.pid;
  };

  return {
    ...env,
    env,
    stopKafka,
    restartKafka,
    pids,
    ports: { kafka: k?.port ?? null, kafkaController: k?.controllerPort ?? null, redis: r?.port ?? null },
    logs: { kafka: k?.logFile ?? null, redis: r?.logFile ?? null },
    dataDirs: started.map((s) => s.dataDir),
    stop,
  };
}

export async function stopInfra(infra) {
  await infra?.stop();
}
