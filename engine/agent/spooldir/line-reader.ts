import type { FileHandle } from 'node:fs/promises';

export interface Line {
  text: string;
  /** Byte position just after the line's newline (or the end of the range for a last line without one). */
  end: number;
  /** The line was longer than maxLineLength characters and was cut. */
  truncated: boolean;
}

const CHUNK = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Lines of a byte range of a file, each with the byte position after it, so a reader can resume
 * exactly at a line boundary. Splits on the LF byte, which is right for every ASCII-compatible
 * charset (UTF-8, GBK, GB18030, ISO-8859-x); \r\n endings lose the \r. A line longer than
 * `maxLineLength` characters keeps its first `maxLineLength` characters and the rest of it is
 * skipped, holding only a bounded prefix in memory however long the line is.
 */
export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  /** File position of buf[0]. */
  private bufPos: number;
  /** File position of the next byte to read. */
  private readPos: number;
  /** Inside an over-long line: its kept first bytes; the rest up to the newline is skipped. */
  private longHead: Buffer | undefined;
  private readonly decoder: TextDecoder;
  private readonly maxBytes: number;

  constructor(
    private readonly file: FileHandle,
    start: number,
    /** Stop here (the file's size when it was picked up): bytes appended later are not read. */
    private readonly limit: number,
    charset: string,
    private readonly maxLineLength: number,
  ) {
    this.bufPos = this.readPos = start;
    this.decoder = new TextDecoder(charset);
    // Enough bytes for maxLineLength characters in any supported charset (at most 4 bytes each).
    this.maxBytes = (maxLineLength + 1) * 4;
  }

  /** Up to `max` lines; an empty array at the end of the range. */
  async next(max: number): Promise<Line[]> {
    const out: Line[] = [];
    while (out.length < max) {
      let nl = this.buf.indexOf(LF);
      if (nl < 0) {
        if (this.readPos >= this.limit) {
          // End of the range: what is left is the last line, without a newline.
          if (this.buf.length || this.longHead) out.push(this.take(this.buf.length, this.buf.length));
          break;
        }
        await this.fill();
        nl = this.buf.indexOf(LF);
        if (nl < 0) {
          this.capLongLine();
          continue;
        }
      }
      out.push(this.take(nl, nl + 1));
    }
    return out;
  }

  /** The line in buf[0, contentEnd), consuming buf[0, consumed). */
  private take(contentEnd: number, consumed: number): Line {
    let bytes = this.buf.subarray(0, contentEnd);
    let truncated = false;
    if (this.longHead) {
      bytes = this.longHead;
      this.longHead = undefined;
      truncated = true;
    } else if (bytes.length && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    let text = this.decoder.decode(bytes);
    if (text.length > this.maxLineLength) {
      let cut = this.maxLineLength;
      const last = text.charCodeAt(cut - 1);
      if (last >= 0xd800 && last <= 0xdbff) cut--; // do not split a surrogate pair
      text = text.slice(0, cut);
      truncated = true;
    }
    const end = this.bufPos + consumed;
    this.buf = this.buf.subarray(consumed);
    this.bufPos = end;
    return { text, end, truncated };
  }

  private capLongLine() {
    if (this.longHead) {
      this.bufPos += this.buf.length;
      this.buf = this.buf.subarray(this.buf.length);
    } else if (this.buf.length > this.maxBytes) {
      this.longHead = Buffer.from(this.buf.subarray(0, this.maxBytes));
      this.bufPos += this.buf.length;
      this.buf = this.buf.subarray(this.buf.length);
    }
  }

  private async fill() {
    const want = Math.min(CHUNK, this.limit - this.readPos);
    const chunk = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.file.read(chunk, 0, want, this.readPos);
    if (bytesRead === 0) {
      // The file shrank below its picked-up size: treat what was read as the end.
      this.readPos = this.limit;
      return;
    }
    this.readPos += bytesRead;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
  }
}
