import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FakeContext, makeSource, sleep, testEnv, tmpDir, waitFor } from './test-harness';

const t = tmpDir('discovery');
afterAll(() => t.cleanup());

it('picks up new files that appear in a watched directory, with their group\'s headers', async () => {
  const apps = path.join(t.dir, 'apps');
  const later = path.join(t.dir, 'later'); // does not exist yet
  await mkdir(apps);
  await writeFile(path.join(apps, 'one.log'), 'one 1\n');
  const { env, logs } = testEnv(path.join(t.dir, 'data'));
  const ctx = new FakeContext();
  const source = makeSource(
    {
      filegroups: { apps: path.join(apps, '.*\\.log'), later: path.join(later, 'glob:*.txt') },
      headers: { apps: { tier: 'web' }, later: { tier: 'batch' } },
      fileHeader: true,
      fileHeaderKey: 'path',
      byteOffsetHeader: true,
      pollInterval: 10,
    },
    env,
  );
  await source.start(ctx);
  await waitFor('one.log', () => ctx.events.length >= 1);

  await writeFile(path.join(apps, 'two.log'), 'two 1\ntwo 2\n');
  await writeFile(path.join(apps, 'ignored.txt'), 'not matched\n');
  await waitFor('two.log', () => ctx.events.length >= 3);
  await mkdir(later);
  await writeFile(path.join(later, 'x.txt'), 'x 1\n');
  await appendFile(path.join(apps, 'one.log'), 'one 2\n');
  await waitFor('x.txt and one.log again', () => ctx.events.length >= 5);
  await sleep(50);
  await source.stop();

  const got = ctx.events.map((e) => `${e.headers.path.slice(t.dir.length)} ${e.headers.tier} @${e.headers.byteoffset} ${e.body}`).sort();
  expect(got).toEqual([
    '/apps/one.log web @0 one 1',
    '/apps/one.log web @6 one 2',
    '/apps/two.log web @0 two 1',
    '/apps/two.log web @6 two 2',
    '/later/x.txt batch @0 x 1',
  ]);
  // The missing directory was reported once, not at every poll.
  expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([expect.stringContaining(`cannot list ${later}`)]);
  expect(env.counters).toMatchObject({ EventReceivedCount: 5, EventAcceptedCount: 5, EventReadFailCount: 0 });
  expect(env.counters.AppendBatchAcceptedCount).toBe(env.counters.AppendBatchReceivedCount);
});

it('reads a file that is appended to line by line, waiting for unterminated lines', async () => {
  const d = tmpDir('partial');
  try {
    const file = path.join(d.dir, 'p.log');
    await writeFile(file, 'a\nb');
    const { env } = testEnv(path.join(d.dir, 'data'));
    const ctx = new FakeContext();
    const source = makeSource({ filegroups: { f1: file }, pollInterval: 5 }, env);
    await source.start(ctx);
    await waitFor('a', () => ctx.events.length >= 1);
    await sleep(40);
    expect(ctx.events.map((e) => e.body)).toEqual(['a']);
    await appendFile(file, 'c\r\nd\n');
    await waitFor('bc, d', () => ctx.events.length >= 3);
    await source.stop();
    expect(ctx.events.map((e) => [e.body, e.origin!.offset])).toEqual([
      ['a', 2],
      ['bc', 6],
      ['d', 8],
    ]);
  } finally {
    d.cleanup();
  }
});
