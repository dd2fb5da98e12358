/**
 * `query`: dashboard queries. Redis is loaded with 24 hours of minute, hour and day buckets
 * representing 10,000,000 events with realistic cardinalities (8 modules, 40 countries, 400
 * regions, 3000 cities, 30 browsers, 15 OS, 5 devices, 10 statuses), written through the store's
 * applyAtomic with countIncrements; then 400 queryStats calls over "the last 24 hours" are timed
 * one by one: hourly series and breakdowns grouped by region or browser filtered by module (the
 * four kinds measured since the start), the same without a module filter (what the dashboard asks
 * when no module is picked), and city breakdowns (top 50 + other, as the stats API answers by default).
 */
import { performance } from 'node:perf_hooks';
import { prng } from '../engine/agent/demo-traffic';
import { queryStats, type StatsQuery } from '../engine/store/stats-query';
import { RedisStore } from '../engine/store/redis';
import { countIncrements, type WindowCount } from '../engine/store/view-increments';
import { pipelinePrefix } from '../engine/store/view-keys';
import type { Infra } from '../scripts/bench';
import { type Comparison, progress } from './lib/common';

const EVENTS = 10_000_000;
const MINUTES = 24 * 60;
const QUERIES = 400;
const TARGET_MS = 50;
const PIPELINE = 'bench-query';
const VIEW = 'views';
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** The data ends at this (hour-aligned) time; queries end somewhere in the hour before it. */
const END = Date.UTC(2025, 5, 2, 0, 0, 0);

const MODULES = ['home', 'news', 'sports', 'video', 'shop', 'search', 'user', 'api'];
const BROWSERS = Array.from({ length: 30 }, (_, i) => ['Chrome', 'Mobile Safari', 'WeChat', 'Edge', 'Firefox', 'Safari', 'QQBrowser', 'MIUI Browser', 'Samsung Internet', 'Opera'][i] ?? `Browser ${i}`);
const OSES = Array.from({ length: 15 }, (_, i) => ['Windows', 'iOS', 'Android', 'Mac OS', 'Linux', 'HarmonyOS', 'Chrome OS'][i] ?? `OS ${i}`);
const DEVICES = ['desktop', 'mobile', 'tablet', 'bot', 'smarttv'];
const STATUSES = ['200', '304', '301', '302', '404', '403', '500', '502', '503', '206'];

/** Picks index i with weight 1/(i+1)^s, in O(1), from a quantized CDF table. */
function zipfSampler(n: number, s: number, rnd: () => number): () => number {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  const table = new Uint16Array(1 << 16);
  let acc = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    acc += w[i] / total;
    const upto = Math.min(table.length, Math.round(acc * table.length));
    for (; j < upto; j++) table[j] = i;
  }
  for (; j < table.length; j++) table[j] = n - 1;
  return () => table[(rnd() * table.length) | 0];
}

/** 40 countries × 10 regions × 7.5 cities: a city implies its region and country. */
function places() {
  const countries = Array.from({ length: 40 }, (_, i) => ['CN', 'US', 'JP', 'KR', 'DE', 'FR', 'IN', 'BR', 'CA', 'AU', 'GB', 'SG', 'RU', 'ID', 'VN'][i] ?? `C${i}`);
  const cities: { country: string; region: string; city: string }[] = [];
  for (let c = 0; c < 40; c++)
    for (let r = 0; r < 10; r++) {
      const region = `${countries[c]}/Region ${r}`;
      const n = (c * 10 + r) % 2 === 0 ? 7 : 8;
      for (let k = 0; k < n; k++) cities.push({ country: countries[c], region, city: `${region}/City ${k}` });
    }
  return cities;
}

/** The windowed counts of one minute with `events` visits. */
function minuteCounts(ws: number, events: number, s: Samplers): WindowCount[] {
  const cells = new Map<string, WindowCount>();
  const add = (module: string, dim: WindowCount['dim'], value: string) => {
    const k = `${module}|${dim}|${value}`;
    const c = cells.get(k);
    if (c) c.n++;
    else cells.set(k, { windowStart: ws, module, dim, value, n: 1 });
  };
  for (let i = 0; i < events; i++) {
    const m = MODULES[s.module()];
    const p = s.cities[s.city()];
    add(m, 't', '');
    add(m, 'country', p.country);
    add(m, 'region', p.region);
    add(m, 'city', p.city);
    add(m, 'browser', BROWSERS[s.browser()]);
    add(m, 'os', OSES[s.os()]);
    add(m, 'device', DEVICES[s.device()]);
    add(m, 'status', STATUSES[s.status()]);
  }
  return [...cells.values()];
}

type Samplers = ReturnType<typeof samplers>;
function samplers(seed: number) {
  const rnd = prng(seed);
  const cities = places();
  return {
    cities,
    module: zipfSampler(MODULES.length, 1, rnd),
    city: zipfSampler(cities.length, 0.9, rnd),
    browser: zipfSampler(BROWSERS.length, 1.2, rnd),
    os: zipfSampler(OSES.length, 1.3, rnd),
    device: zipfSampler(DEVICES.length, 1.5, rnd),
    status: zipfSampler(STATUSES.length, 2.5, rnd),
  };
}

/** Writes 24 hours of buckets, one applyAtomic per hour (its minute, hour and day increments). */
export async function load(store: RedisStore, hours = 24): Promise<{ seconds: number; increments: number }> {
  const s = samplers(424242);
  const start = END - MINUTES * MINUTE;
  const rnd = prng(99);
  let written = 0;
  let increments = 0;
  const t0 = performance.now();
  for (let h = 0; h < hours; h++) {
    const counts: WindowCount[] = [];
    for (let m = 0; m < 60; m++) {
      const minute = h * 60 + m;
      // Daily rhythm around the mean, and the last minute takes the rounding rest.
      const mean = EVENTS / MINUTES;
      const n = minute === MINUTES - 1 ? EVENTS - written : Math.round(mean * (0.75 + 0.5 * Math.sin((minute / MINUTES) * 2 * Math.PI) ** 2) * (0.95 + 0.1 * rnd()));
      written += n;
      for (const c of minuteCounts(start + minute * MINUTE, n, s)) counts.push(c);
    }
    const w = countIncrements(PIPELINE, VIEW, counts);
    for (const z of w.zincrs) increments += z.members.length;
    await store.applyAtomic({ checkpoints: [], zincrs: w.zincrs, expire: w.expire });
    progress(`query: loaded hour ${h + 1}/24 (${written.toLocaleString('en')} events, ${increments.toLocaleString('en')} increments)`);
  }
  if (hours === 24 && written !== EVENTS) throw new Error(`loaded ${written} events, expected ${EVENTS}`);
  return { seconds: (performance.now() - t0) / 1000, increments };
}

/** The query kinds, in turn; the first four are the original (module-filtered) mix. */
const KINDS = [
  ['hourlyRegionTop10', { groupBy: 'region', granularity: 'hour', limit: 10 }, true],
  ['hourlyBrowser', { groupBy: 'browser', granularity: 'hour' }, true],
  ['breakdownRegionTop20', { groupBy: 'region', limit: 20 }, true],
  ['breakdownBrowser', { groupBy: 'browser' }, true],
  ['allModulesHourlyRegionTop10', { groupBy: 'region', granularity: 'hour', limit: 10 }, false],
  ['allModulesBreakdownBrowser', { groupBy: 'browser' }, false],
  ['breakdownCityTop50', { groupBy: 'city', limit: 50 }, true],
  ['allModulesBreakdownCityTop50', { groupBy: 'city', limit: 50 }, false],
] as const;

function queries(): StatsQuery[] {
  const rnd = prng(7);
  return Array.from({ length: QUERIES }, (_, i) => {
    // "The last 24 hours" as a dashboard asks it: ending at some second of the last hour.
    const to = END - HOUR + Math.floor(rnd() * HOUR);
    const module = MODULES[Math.floor(rnd() * MODULES.length)];
    const [, kind, filtered] = KINDS[i % KINDS.length];
    return { pipelineId: PIPELINE, viewId: VIEW, from: to - 24 * HOUR, to, ...(filtered ? { filter: { module } } : {}), ...kind };
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Times the queries one by one over the loaded data (exported to re-run them on data loaded once). */
export async function timeQueries(store: RedisStore) {
  const qs = queries();
  // Sanity: the totals over the whole range add up to every event of the module.
  const all = await queryStats(store, { pipelineId: PIPELINE, viewId: VIEW, from: END - 24 * HOUR, to: END, groupBy: 'module' });
  if (!('total' in all) || all.total !== EVENTS) throw new Error(`query: 24-hour total is ${'total' in all ? all.total : '?'}, expected ${EVENTS}`);
  for (const q of qs.slice(0, 16)) await queryStats(store, q); // warm-up, not timed
  const ms: number[] = [];
  for (const q of qs) {
    const t0 = performance.now();
    const r = await queryStats(store, q);
    ms.push(performance.now() - t0);
    if ('series' in r ? r.series.length === 0 : r.breakdown.length === 0) throw new Error(`query returned nothing: ${JSON.stringify(q)}`);
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const kind = (k: number) => {
    const s = ms.filter((_, i) => i % KINDS.length === k).sort((a, b) => a - b);
    return { p50: round(pct(s, 50)), p99: round(pct(s, 99)) };
  };
  return { ms, p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted[sorted.length - 1], byKind: Object.fromEntries(KINDS.map(([name], k) => [name, kind(k)])) };
}

export async function benchQuery(infra: Infra): Promise<Comparison[]> {
  // Loading writes scripts of ~100k increments: more than the default 10 s command timeout on a busy machine.
  const store = new RedisStore(infra.REDIS_URL, { commandTimeoutMs: 120_000 });
  try {
    await store.deletePrefix(pipelinePrefix(PIPELINE));
    const loaded = await load(store);
    progress(`query: loaded ${EVENTS.toLocaleString('en')} events as ${loaded.increments.toLocaleString('en')} increments in ${loaded.seconds.toFixed(1)} s; running ${QUERIES} queries…`);
    const { p50, p99, max, byKind } = await timeQueries(store);
    await store.deletePrefix(pipelinePrefix(PIPELINE));
    return [
      {
        name: 'query',
        ours: p99,
        unit: 'ms',
        baselineName: 'target',
        baseline: TARGET_MS,
        baselineUnit: 'ms',
        ratio: TARGET_MS / p99,
        target: 'p99 <= 50 ms',
        met: p99 <= TARGET_MS,
        details: {
          events: EVENTS,
          queries: QUERIES,
          p50Ms: round(p50),
          p99Ms: round(p99),
          maxMs: round(max),
          ...byKind,
          loadSeconds: round(loaded.seconds),
          increments: loaded.increments,
        },
      },
    ];
  } finally {
    await store.close();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
