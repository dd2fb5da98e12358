import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineReader, type Line } from './line-reader';

const dir = mkdtempSync(join(tmpdir(), 'weir-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(content: Buffer, opts: { start?: number; limit?: number; max?: number; batch?: number } = {}): Promise<Line[]> {
  const path = join(dir, `f${Math.random()}`);
  writeFileSync(path, content);
  const fh = await open(path, 'r');
  try {
    const reader = new LineReader(fh, opts.start ?? 0, opts.limit ?? content.length, 'utf-8', opts.max ?? 2048);
    const out: Line[] = [];
    for (let batch; (batch = await reader.next(opts.batch ?? 7)).length; ) out.push(...batch);
    return out;
  } finally {
    await fh.close();
  }
}

describe('LineReader', () => {
  it('gives every line with the byte position after it, across chunk boundaries', async () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `${i} ${'é'.repeat(i % 97)}`);
    const content = Buffer.from(texts.join('\n') + '\n');
    const lines = await readAll(content);
    expect(lines.map((l) => l.text)).toEqual(texts);
    let pos = 0;
    for (const [i, l] of lines.entries()) {
      pos += Buffer.byteLength(texts[i]) + 1;
      expect(l.end).toBe(pos);
    }
  });

  it('starts at a line boundary and stops at the limit', async () => {
    const content = Buffer.from('aa\nbb\ncc\ndd\n');
    expect((await readAll(content, { start: 3, limit: 9 })).map((l) => [l.text, l.end])).toEqual([
      ['bb', 6],
      ['cc', 9],
    ]);
  });

  it('cuts an over-long line spanning many chunks, holding a bounded prefix', async () => {
    const long = 'y'.repeat(300_000);
    const lines = await readAll(Buffer.from(`${long}\nz\n${long}`), { max: 100 });
    expect(lines.map((l) => [l.text.length, l.truncated, l.end])).toEqual([
      [100, true, 300_001],
      [1, false, 300_003],
      [100, true, 600_003],
    ]);
  });
});
