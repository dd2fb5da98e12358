/**
 * Shared helpers of the benchmarks (`npm run bench`): work directory, progress on stderr, the
 * benchmark input log, and the site-analytics job plan every benchmark runs.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookupNodeSpec } from '../../engine/nodes/registry';
import { compile } from '../../engine/spec/compile';
import { PipelineDocument, type PipelineInput } from '../../engine/spec/document';
import type { JobPlan } from '../../engine/spec/plan';
import { siteAnalyticsTemplate } from '../../engine/spec/templates';
import { DEMO_MODULES } from '../../engine/testing/produce-lines';
import { demoTraffic } from '../../engine/agent/demo-traffic';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WORK = path.join(ROOT, 'bench', 'work');

export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One figure of a comparison, as printed and as written to bench/results.json. */
export interface Comparison {
  name: string;
  ours: number;
  unit: string;
  baselineName: string;
  baseline: number;
  baselineUnit: string;
  /** > 1 is better for us (the printed RATIOx). */
  ratio: number;
  target: string;
  met: boolean;
  details?: Record<string, unknown>;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : Number(n.toPrecision(3)).toString());

export function line(c: Comparison): string {
  return `bench ${c.name}: ${fmt(c.ours)} ${c.unit} vs ${c.baselineName} ${fmt(c.baseline)} ${c.baselineUnit} = ${c.ratio.toFixed(2)}x`;
}

/** Fixed event-time window of every generated input: reproducible, increasing timestamps. */
export const LOG_END_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
export const LOG_SEED = 20250601;

export interface LogSpec {
  file: string;
  lines: number;
  windowMs: number;
  /** Every line gets a never-seen IP (memory test: 1M distinct IPs). */
  distinctIps?: boolean;
}

/** The n-th distinct public IPv4 address in 1.0.0.0 – 126.255.255.255 (skips 10/8). */
export function distinctIp(n: number): string {
  let x = n + 16_777_216 * 11; // start at 11.0.0.0
  const a = Math.floor(x / 16_777_216);
  x %= 16_777_216;
  return `${a}.${Math.floor(x / 65_536)}.${Math.floor((x % 65_536) / 256)}.${x % 256}`;
}

/** Lines of a benchmark log, in order (the same spec gives the same lines). */
export function* logLines(spec: Omit<LogSpec, 'file'>): Generator<string> {
  const traffic = demoTraffic({ seed: LOG_SEED, modules: DEMO_MODULES, botShare: 0.05 });
  const start = LOG_END_MS - spec.windowMs;
  for (let i = 0; i < spec.lines; i++) {
    const l = traffic.next(start + Math.floor((i * spec.windowMs) / spec.lines));
    yield spec.distinctIps ? distinctIp(i) + l.slice(l.indexOf(' ')) : l;
  }
}

/** Writes the log once; later runs reuse it when its recorded spec matches. */
export async function ensureLog(spec: LogSpec): Promise<string> {
  mkdirSync(path.dirname(spec.file), { recursive: true });
  const metaFile = `${spec.file}.json`;
  const want = JSON.stringify({ lines: spec.lines, windowMs: spec.windowMs, distinctIps: !!spec.distinctIps, end: LOG_END_MS, seed: LOG_SEED, v: 1 });
  if (existsSync(spec.file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (JSON.stringify(meta.spec) === want && statSync(spec.file).size === meta.bytes) return spec.file;
  }
  progress(`generating ${spec.lines.toLocaleString('en')} lines → ${path.relative(ROOT, spec.file)}`);
  const out = createWriteStream(spec.file);
  let buf: string[] = [];
  let n = 0;
  const flush = async () => {
    if (!out.write(buf.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
    buf = [];
  };
  for (const l of logLines(spec)) {
    buf.push(l);
    if (++n % 10_000 === 0) await flush();
  }
  if (buf.length) await flush();
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  writeFileSync(metaFile, JSON.stringify({ spec: JSON.parse(want), bytes: statSync(spec.file).size }));
  return spec.file;
}

/** The lines of bytes [start, end) of a file (both at line starts), a few MB of lines at a time. */
export async function* readLines(file: string, start = 0, end = Infinity): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { start, end: end === Infinity ? undefined : end - 1, highWaterMark: 4 << 20, encoding: 'utf8' })) {
    const text = rest + (chunk as string);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(cut + 1);
    yield text.slice(0, cut).split('\n');
  }
  if (rest) yield [rest];
}

export const PIPELINE_ID = 'bench';

/** The site-analytics template reading `topic`, optionally without its unique-visitor branch. */
export function siteDoc(topic: string, opts: { uniques: boolean }): PipelineInput {
  const input = siteAnalyticsTemplate({ name: 'bench', topic });
  if (!opts.uniques) {
    input.nodes = input.nodes.filter((n) => n.id !== 'uniques');
    input.edges = input.edges.filter((e) => e.from.node !== 'uniques' && e.to.node !== 'uniques');
  }
  return input;
}

/**
 * The deployed site-analytics job (parse → module → geoip → useragent → window (+ uniques) →
 * view.redis, dead letters), compiled from the template exactly as the server does.
 */
export function sitePipeline(topic: string, opts: { uniques: boolean }): JobPlan {
  const doc = PipelineDocument.parse({ ...siteDoc(topic, opts), id: PIPELINE_ID, version: 1 });
  return compile(doc, lookupNodeSpec).jobs[0];
}
