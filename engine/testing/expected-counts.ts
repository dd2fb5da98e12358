/**
 * Test oracle for the site-analytics views: what the Redis hashes must hold, computed straight from
 * combined log lines with its own regex and the same GeoIP / user-agent lookups, and nothing else
 * of the processor (no parse operator, no window, no increments code). Exactness tests compare
 * every key and field of a pipeline's views with this.
 */
import { GeoIp } from '../processor/lookup/geoip';
import { UserAgents } from '../processor/lookup/useragent';
import { counterKey, type Resolution } from '../store/view-keys';

const LINE = /^(\S+) \S+ \S+ \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] "\S+ (\S+) [^"]*" (\d{3}) \d+ "[^"]*" "([^"]*)"$/;
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIZE: Record<Resolution, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface ExpectedCountsOptions {
  pipelineId: string;
  /** The view.redis node id. Default `views`. */
  viewId?: string;
  /** Which buckets to fill: minute only by default; `['m', 'h', 'd']` includes the rollups. */
  resolutions?: Resolution[];
}

/** Accumulates expected hash contents line by line, so a million lines need not be held at once. */
export class ExpectedCounts {
  /** minute start → field → count; hour and day buckets are sums of these. */
  private readonly minutes = new Map<number, Map<string, number>>();
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
    for (const f of [
      `t|${module}|`,
      `country|${module}|${g.country}`,
      `region|${module}|${g.region}`,
      `city|${module}|${g.city}`,
      `browser|${module}|${c.browser}`,
      `os|${module}|${c.os}`,
      `device|${module}|${c.device}`,
      `status|${module}|${status}`,
    ]) {
      h.set(f, (h.get(f) ?? 0) + 1);
    }
    this.lines++;
  }

  /** key → field → count, for every bucket of the chosen resolutions. */
  get hashes(): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const res of this.opts.resolutions) {
      for (const [minute, fields] of this.minutes) {
        const key = counterKey(this.opts.pipelineId, this.opts.viewId, res, minute - (minute % SIZE[res]));
        let h = out.get(key);
        if (!h) out.set(key, (h = {}));
        for (const [f, n] of fields) h[f] = (h[f] ?? 0) + n;
      }
    }
    return out;
  }

  /** Sum of the `t|<module>|` fields: every line is counted once per resolution. */
  get total(): number {
    let n = 0;
    for (const fields of this.minutes.values()) for (const [f, v] of fields) if (f.startsWith('t|')) n += v;
    return n;
  }
}

/** Expected hash contents (key → field → count) of the lines' minute buckets (and rollups if asked). */
export async function expectedCounts(pipelineId: string, lines: Iterable<string>, opts: Omit<ExpectedCountsOptions, 'pipelineId'> = {}): Promise<Map<string, Record<string, number>>> {
  const e = await ExpectedCounts.create({ pipelineId, ...opts });
  for (const line of lines) e.add(line);
  return e.hashes;
}
