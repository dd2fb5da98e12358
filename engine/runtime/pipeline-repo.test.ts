import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineRepo } from './pipeline-repo';

const repo = async () => new PipelineRepo(await mkdtemp(path.join(tmpdir(), 'weir-repo-')));

describe('pipeline repo', () => {
  it('creates with an id from the name, versions on update, keeps old versions', async () => {
    const r = await repo();
    const a = await r.create({ name: 'Site analytics', nodes: [], edges: [], layout: {} });
    expect(a).toMatchObject({ id: 'site-analytics', version: 1 });
    const b = await r.create({ name: 'Site analytics', nodes: [], edges: [], layout: {} });
    expect(b.id).toBe('site-analytics-2');
    const a2 = await r.update('site-analytics', { ...a, name: 'Renamed' });
    expect(a2.version).toBe(2);
    expect((await r.get('site-analytics', 1)).name).toBe('Site analytics');
    expect((await r.get('site-analytics')).name).toBe('Renamed');
    expect(await r.versions('site-analytics')).toEqual([{ version: 1 }, { version: 2 }]);
    expect((await r.list()).map((m) => m.id)).toEqual(['site-analytics', 'site-analytics-2']);
  });

  it('answers 404 errors that say what to do', async () => {
    const r = await repo();
    await expect(r.get('nope')).rejects.toMatchObject({ code: 'pipeline_not_found', status: 404 });
    await r.create({ id: 'x', name: 'X', nodes: [], edges: [], layout: {} });
    await expect(r.get('x', 7)).rejects.toMatchObject({ code: 'version_not_found', status: 404 });
    await expect(r.create({ id: 'x', name: 'X', nodes: [], edges: [], layout: {} })).rejects.toMatchObject({ code: 'pipeline_exists', status: 409 });
  });
});
