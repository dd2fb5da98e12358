/**
 * Splits file bytes into lines on '\n' (a trailing '\r' is dropped), across chunk boundaries, with
 * bounded memory: of a line longer than `max` bytes only the first `max` (+1, for a possible '\r')
 * are kept, the rest is counted and skipped. The last unterminated bytes wait for the next chunk.
 */
export type OnLine = (
  /** The line's bytes, at most `max` of them (valid only during the call). */
  bytes: Buffer,
  /** Physical offset just after the line's '\n' (or after its last byte, for a flushed tail). */
  end: number,
  /** The full length of the line in bytes without its terminator; above `max` means too long. */
  length: number,
) => void;

export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private lastByte = -1;

  constructor(private readonly max: number) {}

  /** Bytes of the current unterminated line seen so far. */
  get pending(): number {
    return this.total;
  }

  /** `start` is the physical offset of data[0]. `data` may be reused by the caller afterwards. */
  feed(data: Buffer, start: number, onLine: OnLine): void {
    let from = 0;
    let nl = data.indexOf(10, from);
    while (nl !== -1) {
      if (this.total === 0) {
        let end = nl;
        if (end > from && data[end - 1] === 13) end--;
        const length = end - from;
        onLine(data.subarray(from, from + Math.min(length, this.max)), start + nl + 1, length);
      } else {
        this.append(data, from, nl);
        this.emitPending(start + nl + 1, onLine, true);
      }
      from = nl + 1;
      nl = data.indexOf(10, from);
    }
    if (from < data.length) this.append(data, from, data.length);
  }

  /** Emits the unterminated tail as a line ending at `end`; returns whether there was one. */
  flush(end: number, onLine: OnLine): boolean {
    if (this.total === 0) return false;
    this.emitPending(end, onLine, true);
    return true;
  }

  reset(): void {
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    this.lastByte = -1;
  }

  private append(data: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const room = this.max + 1 - this.kept;
    if (room > 0) {
      const take = Math.min(room, n);
      this.parts.push(Buffer.from(data.subarray(from, from + take)));
      this.kept += take;
    }
    this.total += n;
    this.lastByte = data[to - 1];
  }

  private emitPending(end: number, onLine: OnLine, stripCr: boolean): void {
    const length = this.total - (stripCr && this.lastByte === 13 ? 1 : 0);
    const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.kept);
    onLine(all.subarray(0, Math.min(length, this.max)), end, length);
    this.reset();
  }
}

/** Decodes a line as UTF-8 (invalid sequences become U+FFFD); a cut line loses its cut last character. */
export function decodeLine(bytes: Buffer, truncated: boolean): string {
  return (truncated ? bytes.subarray(0, utf8Boundary(bytes)) : bytes).toString('utf8');
}

/** Length of `bytes` without a multi-byte character that the end cuts through. */
function utf8Boundary(bytes: Buffer): number {
  const n = bytes.length;
  let i = n - 1;
  while (i >= 0 && n - i <= 4 && (bytes[i] & 0xc0) === 0x80) i--;
  if (i < 0 || n - i > 4) return n;
  const lead = bytes[i];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need > n ? i : n;
}
