/**
 * Test oracle for the site-analytics views: what the counter sorted sets must hold (member → score),
 * computed straight from combined log lines with its own regex and the same GeoIP / user-agent
 * lookups, and nothing else of the processor (no parse operator, no window, no increments code, not
 * even the key builders of view-keys.ts: the layout of docs/redis-keys.md is spelled out here
 * again). Exactness tests compare every key and member of a pipeline's views with this.
 */
import { GeoIp } from '../processor/lookup/geoip';
import { UserAgents } from '../processor/lookup/useragent';

const LINE = /^(\S+) \S+ \S+ \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] "\S+ (\S+) [^"]*" (\d{3}) \d+ "[^"]*" "([^"]*)"$/;
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
type Resolution = 'm' | 'h' | 'd';
const SIZE: Record<Resolution, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const DIMS = ['country', 'region', 'city', 'browser', 'os', 'device', 'status'] as const;

/** A counter key of docs/redis-keys.md (a sorted set): `weir:{pid}:<view>:<res>:<bucket>:<t | dim | dim:module>`. */
const keyOf = (pid: string, viewId: string, res: Resolution, bucket: number, suffix: string) => `weir:{${pid}}:${viewId}:${res}:${bucket}:${suffix}`;

/** Is this one of the counter sets the oracle predicts (not a HyperLogLog, checkpoint, dead-letter list…)? */
export const isCounterKey = (key: string): boolean => /^weir:\{[^{}]+\}:[^:]+:[mhd]:\d+:/.test(key);

/** The resolution of a counter key, and whether it is a `t` (totals per module) set. */
export function counterKeyKind(key: string): { res: Resolution; totals: boolean } {
  const m = /^weir:\{[^{}]+\}:[^:]+:([mhd]):\d+:(.*)$/.exec(key);
  if (!m) throw new Error(`expected-counts: not a counter key: ${key}`);
  return { res: m[1] as Resolution, totals: m[2] === 't' };
}

export interface ExpectedCountsOptions {
  pipelineId: string;
  /** The view.redis node id. Default `views`. */
  viewId?: string;
  /** Which buckets to fill: minute only by default; `['m', 'h', 'd']` includes the rollups. */
  resolutions?: Resolution[];
}

/** Accumulates expected counter contents line by line, so a million lines need not be held at once. */
export class ExpectedCounts {
  /** minute start → key suffix (`t`, `<dim>`, `<dim>:<module>`) → member → count; hour and day buckets are sums of these. */
  private readonly minutes = new Map<number, Map<string, Map<string, number>>>();
  lines = 0;

  private constructor(
    private readonly opts: Required<ExpectedCountsOptions>,
    private readonly geo: GeoIp,
    private readonly ua: UserAgents,
  ) {}

  static async create(opts: ExpectedCountsOptions): Promise<ExpectedCounts> {
    // Caches change nothing in the results; the user-agent one saves seconds over a million lines.
    return new ExpectedCounts({ viewId: 'views', resolutions: ['m'], ...opts }, await GeoIp.open(undefined, 0), new UserAgents(10_000));
  }

  /** Throws on a line that is not a demo combined-format line (the oracle must see every line). */
  add(line: string): void {
    const m = LINE.exec(line);
    if (!m) throw new Error(`expected-counts: not a combined log line: ${line}`);
    const [, ip, dd, mon, yyyy, hh, mi, , path, status, agent] = m;
    const minute = Date.UTC(+yyyy, MON.indexOf(mon), +dd, +hh, +mi);
    const module = path.split(/[/?#]/)[1]?.toLowerCase() || 'home';
    const g = this.geo.lookup(ip);
    const c = this.ua.lookup(agent);
    let h = this.minutes.get(minute);
    if (!h) this.minutes.set(minute, (h = new Map()));
    const inc = (suffix: string, field: string) => {
      let f = h.get(suffix);
      if (!f) h.set(suffix, (f = new Map()));
      f.set(field, (f.get(field) ?? 0) + 1);
    };
    inc('t', module);
    const values: Record<(typeof DIMS)[number], string> = {
      country: g.country,
      region: g.region,
      city: g.city,
      browser: c.browser,
      os: c.os,
      device: c.device,
      status,
    };
    for (const d of DIMS) {
      inc(`${d}:${module}`, values[d]);
      inc(d, values[d]);
    }
    this.lines++;
  }

  /** key → member → count (a sorted set's contents), for every bucket of the chosen resolutions. */
  get hashes(): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const res of this.opts.resolutions) {
      for (const [minute, suffixes] of this.minutes) {
        for (const [suffix, fields] of suffixes) {
          const key = keyOf(this.opts.pipelineId, this.opts.viewId, res, minute - (minute % SIZE[res]), suffix);
          let h = out.get(key);
          if (!h) out.set(key, (h = {}));
          for (const [f, n] of fields) h[f] = (h[f] ?? 0) + n;
        }
      }
    }
    return out;
  }

  /** Sum of the `t` sets' scores: every line is counted once per resolution. */
  get total(): number {
    let n = 0;
    for (const suffixes of this.minutes.values()) for (const v of suffixes.get('t')?.values() ?? []) n += v;
    return n;
  }
}

/** Expected counter contents (key → member → count) of the lines' minute buckets (and rollups if asked). */
export async function expectedCounts(pipelineId: string, lines: Iterable<string>, opts: Omit<ExpectedCountsOptions, 'pipelineId'> = {}): Promise<Map<string, Record<string, number>>> {
  const e = await ExpectedCounts.create({ pipelineId, ...opts });
  for (const line of lines) e.add(line);
  return e.hashes;
}
