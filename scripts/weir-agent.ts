// `npx weir agent --conf FLUME.properties --name AGENT [--data-dir DIR]`: runs one Flume-model
// collection agent on its own, from a Flume properties file, as `flume-ng agent -f FILE -n AGENT`
// would (its flags are accepted too). ${NAME} in values is read from the environment (Flume's
// EnvVarResolverProperties). The agent writes to the Kafka named by the Kafka sink's
// `kafka.bootstrap.servers`, else KAFKA_BROKERS.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseFlumeProperties, type FlumeConfigProblem, type FlumeParseResult } from '../engine/agent/flume-config';
import { startStandaloneAgents, type StandaloneAgents } from '../engine/agent/standalone';
import type { AgentLog } from '../engine/agent/types';
import { createBus, type Bus } from '../engine/bus';
import { lookupNodeSpec } from '../engine/nodes/registry';
import { compile } from '../engine/spec/compile';
import { isWeirError } from '../engine/spec/errors';
import type { Plan } from '../engine/spec/plan';

const usage = `usage: weir agent --conf FILE --name AGENT [--data-dir DIR] [--status-every SECONDS]
  --conf, --conf-file, -f FILE   Flume agent properties (\${NAME} is replaced from the environment)
  --name, -n AGENT               which agent of the file to run (Flume's -n)
  --data-dir DIR                 where the agent keeps its files (default: $WEIR_DATA_DIR/flume-agents/AGENT, WEIR_DATA_DIR defaulting to .weir-data)
  --status-every SECONDS         one status line on stderr this often (default 10; 0 = never)
Kafka: the Kafka sink's kafka.bootstrap.servers, else $KAFKA_BROKERS.`;

interface Args {
  conf?: string;
  name?: string;
  dataDir?: string;
  statusEvery: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { statusEvery: 10 };
  const confs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--conf' || flag === '--conf-file' || flag === '-f' || flag === '-c') confs.push(value());
    else if (flag === '--name' || flag === '-n') args.name = value();
    else if (flag === '--data-dir') args.dataDir = value();
    else if (flag === '--status-every') args.statusEvery = Number(value());
    else if (flag === '-h' || flag === '--help') {
      console.log(usage);
      process.exit(0);
    } else if (flag.startsWith('-D') || flag.startsWith('-X')) {
      // flume-ng passes JVM options (-Dflume.root.logger=..., -DpropertiesImplementation=...): nothing to do here.
    } else fail(2, `unknown argument "${a}"\n${usage}`);
  }
  // flume-ng's --conf/-c is a directory (log4j, flume-env.sh) beside --conf-file: keep the file.
  args.conf = confs.filter((c) => !(c && existsSync(c) && statSync(c).isDirectory())).pop();
  return args;
}

let agentName = '?';
const say = (level: 'info' | 'warn' | 'error', message: string) => console.error(`[weir agent ${agentName}] ${level === 'info' ? '' : `${level}: `}${message}`);

function fail(code: number, message: string): never {
  say('error', message);
  process.exit(code);
}

const args = parseArgs(process.argv.slice(2).filter((a, i) => !(i === 0 && a === 'agent')));
if (!args.conf || !args.name) fail(2, `--conf FILE and --name AGENT are required\n${usage}`);
if (!Number.isFinite(args.statusEvery) || args.statusEvery < 0) fail(2, '--status-every takes a number of seconds (0 = never)');
agentName = args.name;
const confPath = path.resolve(args.conf);
if (!existsSync(confPath)) fail(2, `${args.conf}: no such file`);

// 1. Flume properties → pipeline document.
let parsed: FlumeParseResult;
try {
  parsed = parseFlumeProperties(readFileSync(confPath, 'utf8'), agentName, { env: process.env });
} catch (e) {
  if (isWeirError(e) && e.code === 'flume_config_invalid') {
    const { errors, warnings } = e.details as { errors: FlumeConfigProblem[]; warnings: string[] };
    for (const w of warnings) say('warn', w);
    fail(1, `${args.conf} cannot run: ${errors.length} problem(s); the agent did not start.\n${errors
      .map((p) => `  ${path.basename(confPath)}${p.line > 0 ? `:${p.line}` : ''}: ${p.key}: ${p.message}`)
      .join('\n')}`);
  }
  throw e;
}
for (const w of parsed.warnings) say('warn', w);

// 2. Document → plan.
let plan: Plan;
try {
  plan = compile(parsed.document, lookupNodeSpec);
} catch (e) {
  if (!isWeirError(e)) throw e;
  const errors = ((e.details as { errors?: { path?: string; nodeId?: string; message: string }[] })?.errors ?? []);
  fail(1, `${args.conf} cannot run: ${e.message}${errors.length ? `\n${errors.map((x) => `  ${x.nodeId ?? x.path ?? ''}: ${x.message}`).join('\n')}` : ''}`);
}
if (plan.agents.length === 0) fail(1, `${args.conf}: agent "${agentName}" has nothing to run`);

// 3. Where the events go.
const kafkaSinks = parsed.document.nodes.filter((n) => n.type === 'sink.kafka');
const servers = new Set(
  kafkaSinks
    .map((n) => String(n.config['kafka.bootstrap.servers'] ?? parsed.properties[n.id]?.['kafka.bootstrap.servers'] ?? '').trim())
    .filter(Boolean),
);
if (servers.size > 1) fail(1, `the Kafka sinks name different clusters (${[...servers].join(' | ')}); one agent writes to one Kafka cluster`);
const brokers = [...servers][0] ?? process.env.KAFKA_BROKERS?.trim() ?? '';
if (kafkaSinks.length && !brokers) {
  fail(2, `no Kafka to write to: set ${kafkaSinks.map((n) => `${agentName}.sinks.${n.id}.kafka.bootstrap.servers`).join(' / ')} or KAFKA_BROKERS. ` +
    'Without it the events would go to an in-process bus that nothing else reads, so the agent does not start.');
}
const bus: Bus = createBus({ KAFKA_BROKERS: brokers, WEIR_KAFKA_CLIENT_ID: `weir-agent-${agentName}` });

const dataDir = path.resolve(args.dataDir ?? path.join(process.env.WEIR_DATA_DIR || '.weir-data', 'flume-agents', agentName));

// 4. Run: topics created, agents started, dead letters to <dataDir>/deadletters.jsonl.
let errorCount = 0;
const log: AgentLog = (level, message, details) => {
  if (level === 'error') errorCount++;
  say(level, `${message}${details && Object.keys(details).length ? ` ${JSON.stringify(details)}` : ''}`);
};
let agents: StandaloneAgents;
try {
  agents = await startStandaloneAgents(parsed.document, { bus, dataDir, log });
} catch (e) {
  await bus.close().catch(() => {});
  fail(1, `could not start: ${isWeirError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e)}`);
}
const { metrics } = agents;

let stopping = false;
async function stop(signal: string) {
  if (stopping) {
    say('warn', `${signal} again: exiting without waiting`);
    process.exit(1);
  }
  stopping = true;
  say('info', `${signal}: stopping (sources first, then the sinks drain the channels)`);
  clearInterval(statusTimer);
  await agents.stop().catch((e) => say('error', `stop: ${(e as Error)?.message ?? e}`));
  await bus.close().catch(() => {});
  say('info', `stopped. ${statusLine()}`);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// A component's stray failure is logged; it does not take the agent down.
process.on('unhandledRejection', (e) => log('error', `unhandled: ${e instanceof Error ? e.message : String(e)}`));

/** One line: each component's non-zero Flume counters (else Weir's in/out), channel fill. */
function statusLine(): string {
  metrics.sample();
  const snap = metrics.snapshot();
  const x = (id: string) => parsed.document.layout[id]?.x ?? 0;
  const parts = [...parsed.document.nodes]
    .sort((a, b) => x(a.id) - x(b.id)) // sources first, as data flows
    .filter((n) => snap[n.id])
    .map((n) => {
      const m = snap[n.id];
      const flume = Object.entries(m.flume ?? {}).filter(([, v]) => v !== 0);
      const counts = flume.length ? flume.map(([k, v]) => `${k}=${v}`).join(' ') : `in=${m.in} out=${m.out}`;
      const fill = m.fill !== undefined ? ` fill=${Math.round(m.fill * 100)}%` : '';
      return `${n.id}: ${counts} (${m.outRate}/s)${m.errors ? ` errors=${m.errors}` : ''}${fill}`;
    });
  return `${parts.join(' | ') || 'no counters yet'}${errorCount ? ` | errors logged=${errorCount}` : ''}`;
}

let statusTimer: ReturnType<typeof setInterval> | undefined;
const describe = (ids: string[]) => ids.map((id) => `${id} (${parsed.document.nodes.find((n) => n.id === id)?.type})`).join(', ');
const byCategory = (cat: string) => parsed.document.nodes.filter((n) => lookupNodeSpec(n.type)?.category === cat).map((n) => n.id);
say(
  'info',
  `running from ${args.conf}: sources ${describe(byCategory('source'))} → channels ${describe(byCategory('channel'))} → sinks ${describe(byCategory('sink'))}` +
    `${plan.topics.length ? ` → topics ${plan.topics.map((t) => t.name).join(', ')}` : ''} on ${bus.kind === 'kafka' ? `Kafka ${brokers}` : 'no Kafka'}; ` +
    `data in ${dataDir}. Ctrl-C stops.`,
);
if (args.statusEvery > 0) statusTimer = setInterval(() => say('info', statusLine()), args.statusEvery * 1000);
