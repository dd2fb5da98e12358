import type { FlumeEvent } from '../types';
import { FRAME_HEADER, allocFrame, sealFrame } from './frame';

/**
 * The two records of the write-ahead log.
 * - put:  one per put transaction: `1 u8 | seq0 f64 | count u32 | JSON array of the events`.
 *         Its events get the sequence numbers seq0 .. seq0+count-1 (channel order).
 * - take: one per take commit: `2 u8 | n u32 | n × (batch seq0 f64, from u32, to u32)`, the
 *         index ranges of the put batches whose events were delivered.
 * A rollback writes nothing: a take without its commit record is simply still in the channel.
 */
export const PUT = 1;
export const TAKE = 2;
const PUT_HEAD = 13;

/** A put frame whose sequence number is stamped later (when it is queued for the log). */
export function encodePut(events: FlumeEvent[]): Buffer {
  const json = JSON.stringify(events);
  const frame = allocFrame(PUT_HEAD + Buffer.byteLength(json));
  frame.writeUInt8(PUT, FRAME_HEADER);
  frame.writeUInt32BE(events.length, FRAME_HEADER + 9);
  frame.write(json, FRAME_HEADER + PUT_HEAD, 'utf8');
  return frame;
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

export const decodePutEvents = (payload: Buffer): FlumeEvent[] =>
  JSON.parse(payload.toString('utf8', PUT_HEAD)) as FlumeEvent[];

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
