import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWeir } from './weir';

const env = () => ({ WEIR_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'weir-rt-')) });

const waitFor = async (check: () => Promise<boolean>, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('runtime on the embedded bus and store', () => {
  it('creates and deploys the demo on first start, counts rise, and a restart redeploys what was running', async () => {
    const e = env();
    const first = await startWeir({ env: e });
    const [meta] = await first.repo.list();
    expect(meta).toMatchObject({ name: 'Site analytics', deployed: true });
    expect(first.runtime.state(meta.id)).toBe('running');
    await waitFor(async () => ((await first.runtime.status(meta.id)).nodes.views?.in ?? 0) > 0);
    await first.runtime.close();

    const second = await startWeir({ env: e });
    expect((await second.repo.list()).map((m) => m.id)).toEqual([meta.id]); // no second demo
    expect(second.runtime.state(meta.id)).toBe('running');
    await second.runtime.stop(meta.id);
    await second.runtime.close();

    const third = await startWeir({ env: e });
    expect(third.runtime.state(meta.id)).toBe('stopped'); // stopped stays stopped
    await third.runtime.close();
  });

  it('refuses to deploy an unknown pipeline with a 404', async () => {
    const weir = await startWeir({ env: env(), bootstrap: false });
    await expect(weir.runtime.deploy('ghost')).rejects.toMatchObject({ code: 'pipeline_not_found', status: 404 });
    await weir.runtime.close();
  });
});
