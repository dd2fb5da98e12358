/**
 * Realistic, reproducible demo traffic: combined-format access log lines. Pure (seeded PRNG),
 * so tests and benchmarks can regenerate exactly what a run produced.
 */

/** mulberry32: tiny, fast, good enough for synthetic traffic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Weighted<T> = readonly (readonly [T, number])[];

/** /16 prefixes and weights: mostly Chinese provinces, then the rest of the world. */
const PREFIXES: Weighted<string> = [
  ['123.125', 9], ['61.135', 5], ['220.181', 4], // Beijing
  ['101.226', 7], ['116.228', 5], // Shanghai
  ['113.108', 7], ['14.215', 5], ['183.60', 4], // Guangdong
  ['115.236', 5], ['60.12', 3], // Zhejiang
  ['58.192', 4], ['222.186', 3], // Jiangsu
  ['125.64', 3], // Sichuan
  ['59.172', 3], // Hubei
  ['117.25', 2], // Fujian
  ['182.118', 3], // Henan
  ['110.53', 2], ['175.6', 1], // Hunan
  ['3.80', 5], ['23.20', 3], ['8.8', 2], // United States
  ['104.16', 2], // Canada
  ['133.242', 3], ['126.0', 2], // Japan
  ['211.234', 2], // Korea
  ['5.9', 2], // Germany
  ['62.210', 2], // France
  ['117.192', 3], // India
  ['189.1', 2], ['200.160', 1], // Brazil
  ['49.255', 1], // Australia
  ['203.160', 1], ['103.21', 1], // Asia-Pacific mix
];

const AGENTS: Weighted<string> = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 30],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0', 8],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 8],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 14],
  ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', 14],
  ['Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/18.1.20', 4],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN', 6],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0', 5],
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36', 2],
  ['Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 3],
  ['Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36 QQBrowser/12.1.5491.400', 3],
];

const BOTS: Weighted<string> = [
  ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 4],
  ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', 4],
  ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 2],
  ['Mozilla/5.0 (Linux;u;Android 4.2.2;zh-cn;) AppleWebKit/534.46 (KHTML,like Gecko) Version/5.1 Mobile Safari/10600.6.3 (compatible; YisouSpider/5.0; http://yisou.com)', 1],
];

const STATUSES: Weighted<number> = [[200, 88], [304, 5], [301, 2], [404, 4], [500, 1]];
const REFERRERS: Weighted<string> = [['-', 40], ['https://www.baidu.com/', 20], ['https://www.google.com/', 15], ['https://weibo.com/', 5], ['https://example.com/', 20]];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function picker<T>(items: Weighted<T>): (r: number) => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cumulative = items.map(([, w], i) => items.slice(0, i + 1).reduce((s, [, x]) => s + x, 0) / total);
  return (r) => {
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]) return items[i][0];
    return items[items.length - 1][0];
  };
}

const pickPrefix = picker(PREFIXES);
const pickAgent = picker(AGENTS);
const pickBot = picker(BOTS);
const pickStatus = picker(STATUSES);
const pickReferrer = picker(REFERRERS);
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `[10/Oct/2000:13:55:36 +0000]` in UTC. */
export function clfTime(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface TrafficOptions {
  seed: number;
  modules: readonly string[];
  botShare: number;
}

/** A stream of lines; call `next(ts)` for each event with its event time. */
export function demoTraffic(opts: TrafficOptions): { next(ts: number): string } {
  const rnd = prng(opts.seed);
  const zipf = opts.modules.map((_, i) => [i, 1 / (i + 1)] as const);
  const pickModule = picker(zipf);
  return {
    next(ts) {
      const ip = `${pickPrefix(rnd())}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
      const module = opts.modules[pickModule(rnd())];
      const bot = rnd() < opts.botShare;
      const ua = bot ? pickBot(rnd()) : pickAgent(rnd());
      const page = module === 'home' ? '/' : `/${module}/${Math.floor(rnd() * 500)}${rnd() < 0.2 ? `?ref=${Math.floor(rnd() * 9)}` : ''}`;
      const status = pickStatus(rnd());
      const bytes = status === 304 ? 0 : 500 + Math.floor(rnd() * 50_000);
      return `${ip} - - [${clfTime(ts)}] "GET ${page} HTTP/1.1" ${status} ${bytes} "${pickReferrer(rnd())}" "${ua}"`;
    },
  };
}

/** Visits follow the day: quiet at 4am, busiest in the evening (China time), never zero. */
export function dailyRhythm(ts: number): number {
  const hour = ((ts / 3_600_000 + 8) % 24 + 24) % 24;
  return 0.7 + 0.3 * Math.sin(((hour - 10) / 24) * 2 * Math.PI);
}
