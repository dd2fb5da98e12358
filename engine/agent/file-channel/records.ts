import type { FlumeEvent } from '../types';
import { FRAME_HEADER, allocFrame, sealFrame } from './frame';

/**
 * The two records of the write-ahead log.
 * - put:  one per put transaction: `1 u8 | seq0 f64 | count u32 | events` (see encodePut).
 *         Its events get the sequence numbers seq0 .. seq0+count-1 (channel order).
 * - take: one per take commit: `2 u8 | n u32 | n × (batch seq0 f64, from u32, to u32)`, the
 *         index ranges of the put batches whose events were delivered.
 * A rollback writes nothing: a take without its commit record is simply still in the channel.
 */
export const PUT = 1;
export const TAKE = 2;
const PUT_HEAD = 13;

/**
 * A put frame whose sequence number is stamped later (when it is queued for the log). Events are
 * binary, three times cheaper than JSON on the hot path: per event
 * `flags u8 (1: origin) | header count u16 | count × (key, value) | body | [origin key, offset f64]`,
 * each string as `byte length u32 | UTF-8`.
 */
export function encodePut(events: FlumeEvent[]): Buffer {
  let estimate = FRAME_HEADER + PUT_HEAD + 64;
  for (const e of events) estimate += e.body.length + 48;
  const w = new Writer(Math.ceil(estimate * 1.1));
  w.at = FRAME_HEADER + PUT_HEAD;
  for (const e of events) {
    const h = e.headers;
    let nh = 0;
    for (const k in h) if (Object.hasOwn(h, k)) nh++;
    w.ensure(3);
    w.buf[w.at] = e.origin ? 1 : 0;
    w.buf.writeUInt16BE(nh, w.at + 1);
    w.at += 3;
    for (const k in h) {
      if (!Object.hasOwn(h, k)) continue;
      w.str(k);
      w.str(h[k]);
    }
    w.str(e.body);
    if (e.origin) {
      w.str(e.origin.key);
      w.ensure(8);
      w.buf.writeDoubleBE(e.origin.offset, w.at);
      w.at += 8;
    }
  }
  const frame = w.buf.subarray(0, w.at);
  frame.writeUInt8(PUT, FRAME_HEADER);
  frame.writeUInt32BE(events.length, FRAME_HEADER + 9);
  return frame;
}

class Writer {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number) {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  str(value: string) {
    const s = typeof value === 'string' ? value : String(value);
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.at + 4, 'utf8');
    this.buf.writeUInt32BE(n, this.at);
    this.at += 4 + n;
  }
}

export function stampPut(frame: Buffer, seq0: number): Buffer {
  frame.writeDoubleBE(seq0, FRAME_HEADER + 1);
  return sealFrame(frame);
}

export interface PutRecord {
  type: typeof PUT;
  seq0: number;
  count: number;
  /** Decoded lazily: recovery only needs the events when it keeps them or tracks positions. */
  events(): FlumeEvent[];
}

export interface TakeRun {
  seq0: number;
  from: number;
  to: number;
}

export interface TakeRecord {
  type: typeof TAKE;
  runs: TakeRun[];
}

export function encodeTake(runs: TakeRun[]): Buffer {
  const frame = allocFrame(5 + runs.length * 16);
  let at = FRAME_HEADER;
  frame.writeUInt8(TAKE, at);
  frame.writeUInt32BE(runs.length, at + 1);
  at += 5;
  for (const r of runs) {
    frame.writeDoubleBE(r.seq0, at);
    frame.writeUInt32BE(r.from, at + 8);
    frame.writeUInt32BE(r.to, at + 12);
    at += 16;
  }
  return sealFrame(frame);
}

export function decodePutEvents(payload: Buffer): FlumeEvent[] {
  const count = payload.readUInt32BE(9);
  const events: FlumeEvent[] = new Array(count);
  let at = PUT_HEAD;
  const str = () => {
    const n = payload.readUInt32BE(at);
    const s = payload.toString('utf8', at + 4, at + 4 + n);
    at += 4 + n;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const flags = payload[at];
    const nh = payload.readUInt16BE(at + 1);
    at += 3;
    const headers: Record<string, string> = {};
    for (let j = 0; j < nh; j++) {
      const k = str();
      headers[k] = str();
    }
    const body = str();
    if (flags & 1) {
      const key = str();
      events[i] = { headers, body, origin: { key, offset: payload.readDoubleBE(at) } };
      at += 8;
    } else {
      events[i] = { headers, body };
    }
  }
  if (at !== payload.length) throw new Error(`put record has ${payload.length - at} bytes after its ${count} events`);
  return events;
}

/** Throws on a payload that passed its checksum but does not parse (a bug, not a torn write). */
export function decodeRecord(payload: Buffer): PutRecord | TakeRecord {
  const type = payload.readUInt8(0);
  if (type === PUT) {
    return { type: PUT, seq0: payload.readDoubleBE(1), count: payload.readUInt32BE(9), events: () => decodePutEvents(payload) };
  }
  if (type === TAKE) {
    const n = payload.readUInt32BE(1);
    if (payload.length !== 5 + n * 16) throw new Error(`take record of ${payload.length} bytes for ${n} runs`);
    const runs: TakeRun[] = [];
    for (let i = 0, at = 5; i < n; i++, at += 16) {
      runs.push({ seq0: payload.readDoubleBE(at), from: payload.readUInt32BE(at + 8), to: payload.readUInt32BE(at + 12) });
    }
    return { type: TAKE, runs };
  }
  throw new Error(`unknown record type ${type}`);
}
