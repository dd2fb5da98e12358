import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { appendFile, mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeContext, makeSource, sleep, testEnv, tmpDir, waitFor } from './test-harness';

const dirs: { cleanup(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));
const fresh = (label: string) => {
  const d = tmpDir(label);
  dirs.push(d);
  return d.dir;
};

/** A deterministic byte soup: every byte value, invalid UTF-8, NULs, \r, and newlines. */
function garbage(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('taildir with bad input', () => {
  it('reads binary garbage and invalid UTF-8 line by line with replacement characters, NULs kept', async () => {
    const dir = fresh('binary');
    const file = path.join(dir, 'bin.log');
    const data = Buffer.concat([garbage(300_000), Buffer.from([0x0a, 0xc3, 0x28, 0x00, 0xed, 0xa0, 0x80, 0x0a, 0xf0, 0x9f, 0x98, 0x80, 0x0a])]);
    await writeFile(file, data);
    const expected: string[] = [];
    for (let from = 0, nl = data.indexOf(10); nl !== -1; from = nl + 1, nl = data.indexOf(10, from)) {
      let end = nl;
      if (end > from && data[end - 1] === 13) end--;
      expected.push(data.subarray(from, end).toString('utf8'));
    }
    const { env, logs } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext();
    const source = makeSource({ filegroups: { f1: file }, pollInterval: 5 }, env);
    await source.start(ctx);
    await waitFor('all lines', () => ctx.events.length >= expected.length);
    await source.stop();
    expect(ctx.events.map((e) => e.body)).toEqual(expected);
    expect(expected.at(-2)).toBe('\uFFFD(\u0000\uFFFD\uFFFD\uFFFD');
    expect(expected.at(-1)).toBe('😀');
    expect(logs.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it.each(['truncate', 'deadletter'] as const)('bounds an over-long line (%s) and goes on with the next ones', async (mode) => {
    const dir = fresh(`long-${mode}`);
    const file = path.join(dir, 'long.log');
    await writeFile(file, 'before\n');
    const { env, dead } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext();
    const source = makeSource({ filegroups: { f1: file }, pollInterval: 5, maxLineLength: 1_000, lineTooLong: mode }, env);
    await source.start(ctx);
    // 8 MB without a newline, written over several polls: the source must not buffer it.
    const fh = await open(file, 'a');
    const piece = Buffer.alloc(1 << 20, 'é');
    for (let i = 0; i < 8; i++) {
      await fh.write(piece);
      await sleep(5);
    }
    await fh.write('\r\nafter\n');
    await fh.close();
    await waitFor('after', () => ctx.events.some((e) => e.body === 'after'));
    await source.stop();
    const bodies = ctx.events.map((e) => e.body);
    if (mode === 'truncate') {
      expect(bodies).toHaveLength(3);
      const cut = ctx.events[1];
      expect(Buffer.byteLength(cut.body)).toBeLessThanOrEqual(1_000);
      expect(cut.body).toMatch(/^é+$/);
      expect(cut.headers.truncated).toBe('true');
      expect(cut.origin!.offset).toBe(7 + 8 * (1 << 20) * 1 + 2);
      expect(env.counters.TruncatedCount).toBe(1);
      expect(dead).toEqual([]);
    } else {
      expect(bodies).toEqual(['before', 'after']);
      expect(dead).toHaveLength(1);
      expect(dead[0].reason).toBe(`line_too_long: ${8 << 20} bytes > maxLineLength 1000`);
      expect(Buffer.byteLength(dead[0].event.body)).toBeLessThanOrEqual(1_000);
      expect(env.counters.DeadLetteredCount).toBe(1);
    }
  });

  it('drains a file deleted while it is being read, then closes it', async () => {
    const dir = fresh('deleted');
    const file = path.join(dir, 'gone.log');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    await writeFile(file, `${lines.join('\n')}\n`);
    const { env, logs } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext();
    ctx.delayMs = 2;
    const source = makeSource({ filegroups: { f1: file }, pollInterval: 5, idleTimeout: 100, batchSize: 100 }, env);
    await source.start(ctx);
    await waitFor('some lines', () => ctx.events.length >= 1_000);
    await rm(file);
    expect(ctx.events.length).toBeLessThan(lines.length);
    await waitFor('all lines', () => ctx.events.length >= lines.length);
    await waitFor('close', () => logs.some((l) => l.message.includes('closed')));
    await source.stop();
    expect(ctx.events.map((e) => e.body)).toEqual(lines);
    expect(logs.some((l) => l.level === 'info' && l.message.includes('was deleted'))).toBe(true);
    expect(logs.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('warns with the byte count when a file is truncated without a copy, and goes on with increasing offsets', async () => {
    const dir = fresh('nocopy');
    const file = path.join(dir, 'app.log');
    await writeFile(file, 'a1\na2\npart');
    const { env, logs } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext();
    const source = makeSource({ filegroups: { f1: file }, pollInterval: 5 }, env);
    await source.start(ctx);
    await waitFor('2 lines', () => ctx.events.length >= 2);
    await sleep(30);
    await writeFile(file, 'b1\nb2\n'); // truncates in place, no copy kept
    await waitFor('b lines', () => ctx.events.some((e) => e.body === 'b2'));
    await source.stop();
    expect(ctx.events.map((e) => e.body)).toEqual(['a1', 'a2', 'part', 'b1', 'b2']);
    expect(ctx.events.map((e) => e.origin!.offset)).toEqual([3, 6, 10, 13, 16]);
    const warn = logs.filter((l) => l.level === 'warn');
    expect(warn).toHaveLength(1);
    expect(warn[0].message).toContain('no rotated copy');
    expect(warn[0].details).toMatchObject({ file, readBytes: 10, lostBytesAtLeast: 0 });
  });

  it('sets a corrupt position file aside with a warning and resumes from the sink\'s offsets', async () => {
    const dir = fresh('corrupt');
    const file = path.join(dir, 'a.log');
    const lines = Array.from({ length: 100 }, (_, i) => `l${i}`);
    await writeFile(file, `${lines.join('\n')}\n`);
    const posFile = path.join(dir, 'pos.json');
    await writeFile(posFile, '[{"inode":1,"pos":');
    const st = statSync(file, { bigint: true });
    const after40 = Buffer.byteLength(`${lines.slice(0, 40).join('\n')}\n`);
    const { env, logs } = testEnv(path.join(dir, 'data'));
    const ctx = new FakeContext(new Map([[`r1|${st.dev}:${st.ino}`, after40]]));
    const source = makeSource({ filegroups: { f1: file }, positionFile: posFile, pollInterval: 5 }, env);
    await source.start(ctx);
    await waitFor('60 lines', () => ctx.events.length >= 60);
    await sleep(30);
    await source.stop();
    expect(ctx.events.map((e) => e.body)).toEqual(lines.slice(40));
    const warn = logs.filter((l) => l.level === 'warn');
    expect(warn).toHaveLength(1);
    expect(warn[0].message).toContain(posFile);
    expect(warn[0].message).toContain('not valid JSON');
    expect(readdirSync(dir).filter((n) => n.startsWith('pos.json.corrupt-'))).toHaveLength(1);
    // A fresh, valid position file replaces it.
    expect(JSON.parse(readFileSync(posFile, 'utf8'))).toMatchObject([{ inode: Number(st.ino), pos: Buffer.byteLength(`${lines.join('\n')}\n`), file }]);
  });

  it('continues where Apache Flume stopped, from Flume\'s own position file', async () => {
    const dir = fresh('flume');
    const logDir = path.join(dir, 'nginx');
    await mkdir(logDir);
    const access = path.join(logDir, 'access.log');
    const lines = Array.from({ length: 50 }, (_, i) => `GET /page/${i} 200`);
    await writeFile(access, `${lines.join('\n')}\n`);
    const pos = Buffer.byteLength(`${lines.slice(0, 30).join('\n')}\n`);
    const ino = String(statSync(access, { bigint: true }).ino);
    // Flume's file, byte for byte, with this machine's inode, path and position in place of the fixture's.
    const flume = readFileSync(path.join(__dirname, 'fixtures', 'flume-taildir_position.json'), 'utf8')
      .replace('2496001', ino)
      .replace('"pos":1234', `"pos":${pos}`)
      .replace('/var/log/nginx/access.log', access);
    const posFile = path.join(dir, 'taildir_position.json');
    await writeFile(posFile, flume);
    const { env, logs } = testEnv(dir);
    const ctx = new FakeContext();
    const source = makeSource({ filegroups: { f1: path.join(logDir, 'access\\.log') }, pollInterval: 5 }, env);
    await source.start(ctx);
    await waitFor('20 lines', () => ctx.events.length >= 20);
    await sleep(30);
    await appendFile(access, 'GET /page/50 200\n');
    await waitFor('21 lines', () => ctx.events.length >= 21);
    await source.stop();
    expect(ctx.events.map((e) => e.body)).toEqual([...lines.slice(30), 'GET /page/50 200']);
    expect(logs.filter((l) => l.level !== 'info')).toEqual([]);
    // The file it writes back is still one Flume reads: inode, pos, file first.
    const written = readFileSync(posFile, 'utf8');
    expect(written).toMatch(new RegExp(`^\\[\\{"inode":${ino},"pos":${pos + Buffer.byteLength(lines.slice(30).join('\n')) + 1 + 17},"file":"${access.replace(/[/.]/g, '\\$&')}",`));
    expect(existsSync(`${posFile}.tmp-${process.pid}`)).toBe(false);
  });
});
