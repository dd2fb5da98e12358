import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from './embedded';
import { storeContract, waitFor } from './store.contract';

storeContract('embedded', () => new EmbeddedStore());

describe('EmbeddedStore specifics', () => {
  it('delivers notices on a later turn, as they would arrive from Redis', async () => {
    const store = new EmbeddedStore();
    const got: string[] = [];
    await store.subscribe('c', (m) => got.push(m));
    const applied = store.applyAtomic({ checkpoints: [], increments: [], notice: { channel: 'c', message: 'x' } });
    await applied;
    expect(got).toEqual([]);
    await waitFor(() => got.length === 1);
    await store.close();
  });

  it('keeps other subscribers alive when one throws', async () => {
    const store = new EmbeddedStore();
    const got: string[] = [];
    const quiet = console.error;
    console.error = () => {};
    try {
      await store.subscribe('c', () => {
        throw new Error('boom');
      });
      await store.subscribe('c', (m) => got.push(m));
      await store.publish('c', 'x');
      await waitFor(() => got.length === 1);
    } finally {
      console.error = quiet;
      await store.close();
    }
  });

  it('refuses calls after close', async () => {
    const store = new EmbeddedStore();
    await store.close();
    await expect(store.readHashes(['k'])).rejects.toMatchObject({ code: 'store_closed' });
    expect((await store.health()).ok).toBe(false);
  });
});
