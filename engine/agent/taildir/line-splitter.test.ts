import { describe, expect, it } from 'vitest';
import { LineSplitter, decodeLine } from './line-splitter';

function split(chunks: (string | Buffer)[], max = 1000) {
  const s = new LineSplitter(max);
  const out: { text: string; end: number; length: number }[] = [];
  let pos = 0;
  for (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    s.feed(b, pos, (bytes, end, length) => out.push({ text: decodeLine(bytes, length > max), end, length }));
    pos += b.length;
  }
  return { out, pending: s.pending, splitter: s, pos };
}

describe('line splitter', () => {
  it('splits on \\n, drops \\r, keeps the unterminated tail waiting', () => {
    const { out, pending } = split(['a\r\nbb\n', 'c']);
    expect(out).toEqual([
      { text: 'a', end: 3, length: 1 },
      { text: 'bb', end: 6, length: 2 },
    ]);
    expect(pending).toBe(1);
  });

  it('joins a line across chunks, also when \\r and \\n fall in different chunks', () => {
    const { out } = split(['he', 'll', 'o\r', '\nx\n']);
    expect(out).toEqual([
      { text: 'hello', end: 7, length: 5 },
      { text: 'x', end: 9, length: 1 },
    ]);
  });

  it('keeps at most max bytes of an over-long line and reports its full length', () => {
    const max = 16;
    const chunks = Array.from({ length: 100 }, () => 'y'.repeat(1000));
    const { out, splitter } = split([...chunks, 'z\nok\n'], max);
    expect(out[0]).toEqual({ text: 'y'.repeat(16), end: 100_002, length: 100_001 });
    expect(out[1].text).toBe('ok');
    expect((splitter as unknown as { kept: number }).kept).toBe(0);
  });

  it('a line of exactly max bytes ending in \\r\\n is not too long', () => {
    const { out } = split(['abcd', '\r', '\n'], 4);
    expect(out).toEqual([{ text: 'abcd', end: 6, length: 4 }]);
  });

  it('flushes the tail as a last line', () => {
    const { splitter, pos } = split(['a\npartial']);
    const got: string[] = [];
    expect(splitter.flush(pos, (b) => got.push(b.toString()))).toBe(true);
    expect(got).toEqual(['partial']);
    expect(splitter.flush(pos, () => got.push('again'))).toBe(false);
  });

  it('decodes invalid UTF-8 with replacement characters and cuts no character in two when truncating', () => {
    expect(decodeLine(Buffer.from([0x61, 0xff, 0xfe, 0x00, 0x62]), false)).toBe('a\uFFFD\uFFFD\u0000b');
    const euro = Buffer.from('ab€', 'utf8'); // € is 3 bytes
    expect(decodeLine(euro.subarray(0, 4), true)).toBe('ab');
    expect(decodeLine(euro, true)).toBe('ab€');
  });
});
