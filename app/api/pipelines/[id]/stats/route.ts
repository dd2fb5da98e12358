import { getWeir } from '@/engine/runtime/weir';
import { WeirError } from '@/engine/spec/errors';
import { queryStats } from '@/engine/store/stats-query';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

/**
 * GET …/stats?from&to&groupBy&granularity&filter[module]=x
 * With `granularity`: a time series per group; without: a breakdown over [from, to).
 * `from`/`to` are epoch ms; default: the last hour.
 */
export const GET = route<{ id: string }>(async (req, { id }) => {
  const { repo, store } = await getWeir();
  const doc = await repo.get(id);
  const view = doc.nodes.find((n) => n.type === 'view.redis');
  if (!view) {
    throw new WeirError('no_view', `Pipeline "${id}" has no Redis views node, so it has no stats; add a "view.redis" node after a window.`, { status: 404 });
  }
  const q = new URL(req.url).searchParams;
  const now = Date.now();
  const num = (name: string, fallback: number) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new WeirError('invalid_stats_query', `"${name}" must be a time in epoch milliseconds; got "${raw}".`, { status: 400 });
    return n;
  };
  const filterModule = q.get('filter[module]') ?? undefined;
  const result = await queryStats(store, {
    pipelineId: id,
    viewId: view.id,
    from: num('from', now - 3_600_000),
    to: num('to', now + 60_000),
    groupBy: (q.get('groupBy') ?? 'module') as never,
    granularity: (q.get('granularity') || undefined) as never,
    filter: filterModule ? { module: filterModule } : undefined,
  });
  return json(result);
});
