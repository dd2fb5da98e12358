import { describe, expect, it } from 'vitest';
import { createStore } from './index';

describe('createStore', () => {
  it('uses the embedded store without REDIS_URL', async () => {
    const store = createStore({});
    expect(store.kind).toBe('embedded');
    await store.close();
  });

  it('uses Redis when REDIS_URL is set, connecting only on first use', async () => {
    const store = createStore({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(store.kind).toBe('redis');
    await store.close();
  });

  it('gives a new store on every call', async () => {
    const a = createStore({});
    const b = createStore({});
    expect(a).not.toBe(b);
    await Promise.all([a.close(), b.close()]);
  });
});
