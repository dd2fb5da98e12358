#!/usr/bin/env node
// npm run setup — everything `npm test` needs beyond node_modules: the Kafka jars (Maven Central)
// and Debian's redis-server and chromium. Idempotent: does only what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_LIB, ROOT, findRedisServer, kafkaLibReady } from './lib/infra.mjs';

const CHROMIUM = '/usr/bin/chromium';
const say = (msg) => console.log(`setup: ${msg}`);

function fail(msg) {
  console.error(`\nsetup: FAILED — ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) return { ok: false, why: r.error.code === 'ENOENT' ? `${cmd} is not installed` : r.error.message };
  return { ok: r.status === 0, why: `exit code ${r.status}` };
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function kafkaJars() {
  if (kafkaLibReady()) return say(`Kafka jars: present in ${path.relative(ROOT, KAFKA_LIB)}/`);
  if (!has('java')) fail('java is not installed. Install a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless), then rerun npm run setup.');
  if (!has('mvn')) fail('mvn is not installed. Install Maven (Debian: apt-get install -y maven), then rerun npm run setup.');
  say('Kafka jars: copying Kafka 3.9.1 and its dependencies from Maven Central…');
  const r = run('mvn', ['-q', '-B', '-Dstyle.color=never', 'dependency:copy-dependencies', '-DoutputDirectory=lib'], { cwd: path.join(ROOT, 'infra', 'kafka') });
  if (!r.ok || !kafkaLibReady()) {
    fail(`mvn dependency:copy-dependencies did not complete (${r.why}). Check access to https://repo.maven.apache.org (proxy settings in ~/.m2/settings.xml), then rerun npm run setup.`);
  }
  say('Kafka jars: done.');
}

function debPackages() {
  const missing = [];
  if (findRedisServer()) say('redis-server: present');
  else missing.push('redis-server');
  if (existsSync(CHROMIUM)) say(`chromium: present (${CHROMIUM})`);
  else missing.push('chromium');
  if (missing.length === 0) return;

  if (!has('apt-get')) fail(`missing ${missing.join(', ')} and apt-get is not available. Install them with your package manager (Debian names: ${missing.join(' ')}).`);
  const asRoot = process.getuid?.() === 0;
  const sudo = asRoot ? [] : has('sudo') ? ['sudo'] : null;
  if (!sudo) fail(`missing ${missing.join(', ')}; installing needs root. Run as root: apt-get update && apt-get install -y ${missing.join(' ')}`);
  const apt = (args) => (sudo.length ? run('sudo', ['apt-get', ...args]) : run('apt-get', args));
  say(`installing ${missing.join(', ')} with apt-get…`);
  // apt-get must never stop to ask a question in CI.
  process.env.DEBIAN_FRONTEND = 'noninteractive';
  let r = apt(['update']);
  if (!r.ok) fail(`apt-get update failed (${r.why}). Check network access to the Debian mirrors, then rerun npm run setup.`);
  r = apt(['install', '-y', '--no-install-recommends', ...missing]);
  if (!r.ok) fail(`apt-get install ${missing.join(' ')} failed (${r.why}). Fix the apt error above, then rerun npm run setup.`);
  if (!findRedisServer()) fail('redis-server still not found after installing; check the apt output above.');
  if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} still not found after installing chromium; check the apt output above.`);
  say(`installed ${missing.join(', ')}.`);
}

const t0 = Date.now();
say('checking prerequisites for Kafka, Redis and the browser tests');
kafkaJars();
debPackages();
say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. Next: npm test (or npm run infra:up for a local Kafka and Redis).`);
