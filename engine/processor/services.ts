import type { Store } from '../store/types';
import { GeoIp } from './lookup/geoip';
import { DailySalts } from './privacy-hash';
import { UserAgents } from './lookup/useragent';

/**
 * Lookups shared by every job in the process: one MMDB reader per database file (they are large)
 * and one user-agent cache, each bounded.
 */
export class ProcessorServices {
  private readonly geo = new Map<string, Promise<GeoIp>>();
  private readonly agents = new Map<number, UserAgents>();
  readonly salts: DailySalts;

  constructor(store: Store) {
    this.salts = new DailySalts(store);
  }

  geoip(database: string, cacheSize: number, language = 'en'): Promise<GeoIp> {
    const key = `${database}|${cacheSize}|${language}`;
    let g = this.geo.get(key);
    if (!g) {
      g = GeoIp.open(database || undefined, cacheSize, language);
      g.catch(() => this.geo.delete(key));
      this.geo.set(key, g);
    }
    return g;
  }

  userAgents(cacheSize: number): UserAgents {
    let u = this.agents.get(cacheSize);
    if (!u) this.agents.set(cacheSize, (u = new UserAgents(cacheSize)));
    return u;
  }
}
