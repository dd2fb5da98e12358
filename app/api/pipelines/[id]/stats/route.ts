import { getWeir } from '@/engine/runtime/weir';
import { WeirError } from '@/engine/spec/errors';
import { queryTop, queryUniques } from '@/engine/store/audience-query';
import { queryStats, slidingSums, type SeriesResult } from '@/engine/store/stats-query';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

/** Groups listed when the query names no `limit`. */
const DEFAULT_LIMIT = 50;

/**
 * GET …/stats?from&to&groupBy&granularity&filter[module]=x&limit=N
 *   visits: with `granularity` a time series per group (`window=N`: sliding sums over N buckets),
 *   without it a breakdown over [from, to). Only the top `limit` groups are listed (default
 *   DEFAULT_LIMIT: a city breakdown can have thousands); a breakdown's `other` counts the rest, so
 *   `total` = Σ breakdown + `other`.
 * GET …/stats?metric=uniques[&filter[module]=x]   distinct visitors (HyperLogLog), total and per module
 * GET …/stats?top=module|region&limit=N           top N modules or regions (default 10), exact
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
    if (!Number.isFinite(n)) throw new WeirError('invalid_stats_query', `"${name}" must be a number; got "${raw}".`, { status: 400 });
    return n;
  };
  const from = num('from', now - 3_600_000);
  const to = num('to', now + 60_000);
  const filterModule = q.get('filter[module]') || undefined;
  const base = { pipelineId: id, viewId: view.id, from, to };

  const top = q.get('top');
  if (top !== null) {
    if (top !== 'module' && top !== 'region') throw new WeirError('invalid_stats_query', `top: expected module or region; got "${top}".`, { status: 400 });
    return json(await queryTop(store, { ...base, what: top, limit: Math.min(Math.max(num('limit', 10), 1), 1000) }));
  }

  const metric = q.get('metric') ?? 'visits';
  if (metric === 'uniques') {
    const modules = filterModule
      ? [filterModule]
      : ((await queryStats(store, { ...base, groupBy: 'module' })) as { breakdown: { key: string }[] }).breakdown.map((b) => b.key);
    const [all, ...each] = await Promise.all([
      queryUniques(store, { ...base, modules }),
      ...modules.map((m) => queryUniques(store, { ...base, modules: [m] })),
    ]);
    return json({ metric, from: all.from, to: all.to, uniques: all.uniques, byModule: modules.map((key, i) => ({ key, uniques: each[i].uniques })) });
  }
  if (metric !== 'visits') throw new WeirError('invalid_stats_query', `metric: expected visits or uniques; got "${metric}".`, { status: 400 });

  const result = await queryStats(store, {
    ...base,
    groupBy: (q.get('groupBy') ?? 'module') as never,
    granularity: (q.get('granularity') || undefined) as never,
    filter: filterModule ? { module: filterModule } : undefined,
    limit: num('limit', DEFAULT_LIMIT),
  });
  const window = q.get('window');
  if (window !== null) {
    if (!('series' in result)) throw new WeirError('invalid_stats_query', 'window: sliding windows need a granularity (e.g. granularity=minute&window=5).', { status: 400 });
    return json(slidingSums(result as SeriesResult, Number(window)));
  }
  return json(result);
});
