import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RedisStore } from './redis';
import { storeContract } from './store.contract';

const url = process.env.REDIS_URL;
if (!url) {
  throw new Error(
    'redis.integration.test.ts needs a real Redis: run via npm test, or npm run infra:up and export REDIS_URL',
  );
}

storeContract('redis', () => new RedisStore(url));

describe('RedisStore when Redis is down', () => {
  it('fails fast with a retriable store_unreachable that names REDIS_URL', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const store = new RedisStore('redis://127.0.0.1:1');
    const t0 = Date.now();
    const err = await store.readHashes(['weirtest:{down}:x']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_unreachable', retriable: true, status: 503 });
    expect((err as Error).message).toMatch(/REDIS_URL/);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(3_000);
    // Now known down: the next call does not wait for another reconnect attempt.
    const t1 = Date.now();
    await expect(store.readList('weirtest:{down}:l', 0, -1)).rejects.toMatchObject({ code: 'store_unreachable' });
    expect(Date.now() - t1).toBeLessThan(100);
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/REDIS_URL/);
    await store.close();
  });

  it('recovers by itself once Redis is back', async () => {
    const port = await freePort();
    const store = new RedisStore(`redis://127.0.0.1:${port}`);
    await expect(store.health()).resolves.toMatchObject({ ok: false });
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    try {
      const until = Date.now() + 10_000;
      let ok = false;
      while (!ok && Date.now() < until) {
        ok = (await store.health()).ok;
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ok).toBe(true);
      expect((await store.applyAtomic({ checkpoints: [], increments: [{ key: 'k', field: 'f', by: 1 }] })).applied).toBe(true);
    } finally {
      await store.close();
      server.kill();
    }
  });

  it('never prints the password of REDIS_URL', async () => {
    const store = new RedisStore('redis://:s3cret@127.0.0.1:1');
    const err = (await store.health()).detail;
    expect(err).not.toMatch(/s3cret/);
    await store.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
