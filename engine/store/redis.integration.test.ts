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
    expect(Date.now() - t0).toBeLessThan(5_000);
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/REDIS_URL/);
    await store.close();
  });

  it('never prints the password of REDIS_URL', async () => {
    const store = new RedisStore('redis://:s3cret@127.0.0.1:1');
    const err = (await store.health()).detail;
    expect(err).not.toMatch(/s3cret/);
    await store.close();
  });
});
