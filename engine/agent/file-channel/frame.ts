import * as zlib from 'node:zlib';

/**
 * Log framing: every record is `MAGIC u32 | length u32 | crc32(length bytes + payload) u32 | payload`.
 * The checksum lets recovery tell a torn tail (kill -9 mid-write) from a complete record, and the
 * magic lets it find the next good frame after a damaged one.
 */
export const FRAME_MAGIC = 0xf1c4a7e1;
export const FRAME_HEADER = 12;
const MAGIC_BYTES = Buffer.from([0xf1, 0xc4, 0xa7, 0xe1]);

/** Every log file starts with this header: magic, format version, file id. */
export const FILE_MAGIC = Buffer.from('WEIRFLOG', 'latin1');
export const FILE_VERSION = 1;
export const FILE_HEADER = 16;

let table: Int32Array | undefined;
function jsCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** zlib.crc32 is native from Node 20.15 / 22.2; older 20.x gets the table version (same values). */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data, value = 0) => zlib.crc32(data, value)
    : jsCrc32;

/** A buffer with room for the frame header in front of a payload of `payloadLength` bytes. */
export const allocFrame = (payloadLength: number): Buffer => Buffer.allocUnsafe(FRAME_HEADER + payloadLength);

/** Fills in the header of a frame made by `allocFrame` once its payload is written. */
export function sealFrame(frame: Buffer): Buffer {
  frame.writeUInt32BE(FRAME_MAGIC, 0);
  frame.writeUInt32BE(frame.length - FRAME_HEADER, 4);
  frame.writeUInt32BE(frameCrc(frame, 0, frame.length - FRAME_HEADER), 8);
  return frame;
}

const frameCrc = (buf: Buffer, at: number, length: number) =>
  crc32(buf.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length), crc32(buf.subarray(at + 4, at + 8)));

export type FrameRead =
  | { ok: true; payload: Buffer; next: number }
  | { ok: false; reason: 'short' | 'magic' | 'length' | 'checksum' };

/** Reads the frame at `at` in `buf`, checking magic, length and checksum. */
export function readFrame(buf: Buffer, at: number): FrameRead {
  if (buf.length - at < FRAME_HEADER) return { ok: false, reason: 'short' };
  if (buf.readUInt32BE(at) !== FRAME_MAGIC) return { ok: false, reason: 'magic' };
  const length = buf.readUInt32BE(at + 4);
  if (at + FRAME_HEADER + length > buf.length) return { ok: false, reason: 'length' };
  if (frameCrc(buf, at, length) !== buf.readUInt32BE(at + 8)) return { ok: false, reason: 'checksum' };
  return { ok: true, payload: buf.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length), next: at + FRAME_HEADER + length };
}

/** Offset of the next complete, valid frame at or after `from`, or -1. */
export function findNextFrame(buf: Buffer, from: number): number {
  for (let at = buf.indexOf(MAGIC_BYTES, from); at >= 0; at = buf.indexOf(MAGIC_BYTES, at + 1)) {
    if (readFrame(buf, at).ok) return at;
  }
  return -1;
}

export function fileHeader(fileId: number): Buffer {
  const b = Buffer.alloc(FILE_HEADER);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt32BE(FILE_VERSION, 8);
  b.writeUInt32BE(fileId, 12);
  return b;
}

export const validFileHeader = (buf: Buffer, fileId: number): boolean =>
  buf.length >= FILE_HEADER &&
  buf.subarray(0, 8).equals(FILE_MAGIC) &&
  buf.readUInt32BE(8) === FILE_VERSION &&
  buf.readUInt32BE(12) === fileId;
