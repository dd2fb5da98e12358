import { UAParser } from 'ua-parser-js';
import { Lru } from './lru';

export interface ClientResult {
  browser: string;
  os: string;
  /** desktop | mobile | tablet | bot | … (ua-parser's device types, desktop when none). */
  device: string;
  bot: boolean;
}

/** Crawlers, monitors and scripted clients; shared with op.filter's bot rule. */
export const BOT = /bot|crawl|spider|slurp|bingpreview|headless|python-requests|curl\/|wget|facebookexternalhit|monitor/i;
const BOT_NAME = /([a-z0-9_-]*(?:bot|spider|crawler|slurp))/i;

export class UserAgents {
  private readonly cache: Lru<string, ClientResult>;
  private readonly parser = new UAParser();
  constructor(cacheSize: number) {
    this.cache = new Lru(cacheSize);
  }

  lookup(ua: string): ClientResult {
    const hit = this.cache.get(ua);
    if (hit) return hit;
    const result = this.parse(ua);
    this.cache.set(ua, result);
    return result;
  }

  private parse(ua: string): ClientResult {
    if (!ua || ua === '-') return { browser: 'unknown', os: 'unknown', device: 'unknown', bot: false };
    if (BOT.test(ua)) {
      const name = BOT_NAME.exec(ua)?.[1] ?? 'bot';
      return { browser: name, os: 'unknown', device: 'bot', bot: true };
    }
    const r = this.parser.setUA(ua).getResult();
    return {
      browser: clean(r.browser.name) || 'unknown',
      os: clean(r.os.name) || 'unknown',
      device: clean(r.device.type) || 'desktop',
      bot: false,
    };
  }
}

const clean = (s: string | undefined) => (s ?? '').replace(/[|\n\r]/g, ' ').trim();
