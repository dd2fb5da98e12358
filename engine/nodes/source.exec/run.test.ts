import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeRef, testEnv, testSourceContext, until } from '../../agent/interceptors/test-env';
import { createExecSource } from './run';
import { execSourceSpec } from './spec';

const dir = mkdtempSync(join(tmpdir(), 'weir-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (config: Record<string, unknown>) => {
  const { env, logs } = testEnv();
  const source = createExecSource(nodeRef('r1', 'source.exec', execSourceSpec.config.parse(config)), env);
  const t = testSourceContext();
  source.start(t.ctx);
  return { source, env, logs, ...t };
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('source.exec', () => {
  it('turns stdout lines into events, in batches, with the last unterminated line at exit', async () => {
    const s = start({ shell: '/bin/sh -c', command: "printf 'a\\nb\\r\\n\\nc'", batchSize: 2 });
    await until(() => s.logs.some((l) => l.message.includes('exited with code 0')));
    await s.source.stop();
    expect(s.events.map((e) => e.body)).toEqual(['a', 'b', '', 'c']);
    expect(s.events[0]).toEqual({ headers: {}, body: 'a' });
    expect(s.batches).toEqual([2, 2]);
    expect(s.env.counters).toMatchObject({ EventReceivedCount: 4, EventAcceptedCount: 4, AppendBatchReceivedCount: 2, AppendBatchAcceptedCount: 2, ProcessRestartCount: 0 });
    expect(s.logs.at(-1)!.message).toMatch(/not restarting/);
  });

  it('runs a command without a shell, split on spaces', async () => {
    const s = start({ command: 'echo one two' });
    await until(() => s.events.length === 1);
    await s.source.stop();
    expect(s.events[0].body).toBe('one two');
  });

  it('hands a partial batch on after batchTimeout while the command runs', async () => {
    const s = start({ shell: '/bin/sh -c', command: 'echo early; sleep 5', batchSize: 100, batchTimeout: 100 });
    await until(() => s.events.length === 1, 2000);
    const t0 = Date.now();
    await s.source.stop();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(s.events.map((e) => e.body)).toEqual(['early']);
  });

  it('restarts an exiting command after restartThrottle, backing off, and logs each exit code', async () => {
    const s = start({ shell: '/bin/sh -c', command: 'echo run; exit 3', restart: true, restartThrottle: 60 });
    const at: number[] = [];
    const put = s.ctx.put;
    s.ctx.put = async (batch) => (at.push(Date.now()), put(batch));
    await until(() => at.length >= 3, 4000);
    await s.source.stop();
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(60);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(120);
    expect(s.env.counters.ProcessRestartCount).toBeGreaterThanOrEqual(2);
    const exits = s.logs.filter((l) => /exited with code 3/.test(l.message));
    expect(exits.length).toBeGreaterThanOrEqual(2);
    expect(exits[0]).toMatchObject({ level: 'warn', details: { code: 3 } });
    expect(s.logs.some((l) => /restarting .* in 120 ms/.test(l.message))).toBe(true);
  });

  it('logs a clear error for a command that does not exist and stays stopped', async () => {
    const s = start({ command: 'weir-no-such-command --flag' });
    await until(() => s.logs.some((l) => l.message.includes('not restarting')));
    const error = s.logs.find((l) => l.level === 'error')!;
    expect(error.message).toMatch(/exec source "r1": cannot run "weir-no-such-command --flag": spawn weir-no-such-command ENOENT. Check the command/);
    await s.source.stop();
    expect(s.events).toEqual([]);
  });

  it('decodes binary output with replacement characters, and other charsets', async () => {
    writeFileSync(join(dir, 'bin'), Buffer.from([0xff, 0xfe, 0x6f, 0x6b, 0x0a, 0x00, 0x78, 0xc3, 0x0a, 0xe4, 0xb8, 0xad, 0x0a]));
    writeFileSync(join(dir, 'gbk'), Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0x0a]));
    const utf8 = start({ command: `cat ${join(dir, 'bin')}` });
    const gbk = start({ command: `cat ${join(dir, 'gbk')}`, charset: 'GBK' });
    await until(() => utf8.events.length === 3 && gbk.events.length === 1);
    await Promise.all([utf8.source.stop(), gbk.source.stop()]);
    expect(utf8.events.map((e) => e.body)).toEqual(['\uFFFD\uFFFDok', '\u0000x\uFFFD', '中']);
    expect(gbk.events[0].body).toBe('中文');
  });

  it('refuses an unknown charset and an empty command', () => {
    expect(execSourceSpec.config.safeParse({ command: 'x', charset: 'klingon' }).error?.issues[0].message).toMatch(/not a known charset/);
    expect(execSourceSpec.config.safeParse({ command: ' ' }).error?.issues[0].message).toMatch(/give the command/);
  });

  it('stop() kills the whole command (SIGTERM, then SIGKILL when ignored)', async () => {
    const s = start({ shell: '/bin/sh -c', command: "trap '' TERM; echo $$; while :; do sleep 0.05; done", batchSize: 1 });
    await until(() => s.events.length === 1);
    const pid = Number(s.events[0].body);
    expect(alive(pid)).toBe(true);
    const t0 = Date.now();
    await s.source.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    await until(() => !alive(pid), 1000, 'the shell to die');
    expect(s.logs.some((l) => l.level === 'error')).toBe(false);
  });
});
