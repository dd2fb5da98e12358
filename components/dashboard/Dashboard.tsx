'use client';

import Link from 'next/link';
import { useMemo, useState } from 'react';
import { lookupNodeSpec } from '@/engine/nodes/registry';
import { api, ApiError } from '@/components/api/client';
import { ErrorBanner } from '@/components/ui/ErrorBanner';
import { StateBadge } from '@/components/ui/StateBadge';
import { formatTime } from '@/components/ui/format';
import { useI18n } from '@/components/ui/i18n';
import { usePolling } from '@/components/ui/use-polling';
import { DashboardEmpty } from './DashboardEmpty';
import { KpiTiles } from './KpiTiles';
import { ingestRate } from './events-rate';
import { defaultTimeRange, timeRanges, windowOf, type TimeRangeId } from './time-range';
import { useLiveRefresh } from './use-live-refresh';
import { useStats } from './use-stats';
import { widgets } from './widgets';

export function Dashboard({ pipelineId }: { pipelineId: string }) {
  const { t, locale } = useI18n();
  const [rangeId, setRangeId] = useState<TimeRangeId>(defaultTimeRange.id);
  const [module, setModule] = useState<string | null>(null);
  const range = timeRanges.find((r) => r.id === rangeId) ?? defaultTimeRange;

  const pipeline = usePolling(() => api.getPipeline(pipelineId), null, pipelineId);
  const status = usePolling(() => api.status(pipelineId), 2000, pipelineId);
  const { refreshKey, connected } = useLiveRefresh(pipelineId);

  // Unfiltered per-module counts: the total, the top module and the module filter's choices.
  const modules = useStats(
    () => api.statsBreakdown(pipelineId, { ...windowOf(range), groupBy: 'module' }),
    `${pipelineId}:${range.id}`,
    refreshKey,
  );

  // Distinct visitors (HyperLogLog views; rounded out to whole hours), for the module filter.
  const uniques = useStats(
    () => api.uniques(pipelineId, { ...windowOf(range), module }),
    `${pipelineId}:${range.id}:${module ?? ''}:uniques`,
    refreshKey,
  );

  const moduleRows = useMemo(() => [...(modules.data?.breakdown ?? [])].sort((a, b) => b.count - a.count), [modules.data]);
  const total = modules.data ? modules.data.total : null;
  const noView = modules.error instanceof ApiError && modules.error.code === 'no_view';
  const state = status.data?.state ?? pipeline.data?.state ?? null;
  const eventsPerSec = status.data ? ingestRate(pipeline.data?.pipeline ?? null, status.data.nodes, lookupNodeSpec) : null;
  const rangeLabel = t(`range.${range.id}`);

  const [deploying, setDeploying] = useState(false);
  const [deployError, setDeployError] = useState<unknown>(null);
  const deploy = async () => {
    setDeploying(true);
    setDeployError(null);
    try {
      await api.deploy(pipelineId);
      status.refresh();
    } catch (e) {
      setDeployError(e);
    } finally {
      setDeploying(false);
    }
  };

  if (pipeline.error && !pipeline.data) {
    return (
      <div className="page">
        <ErrorBanner error={pipeline.error} title={t('dashboard.loadFailed')} />
        <Link href="/">{t('action.backToPipelines')}</Link>
      </div>
    );
  }

  return (
    <div className="page dashboard" data-testid="dashboard">
      <div className="page-head">
        <div>
          <div className="crumbs">
            <Link href="/" className="muted">
              {t('nav.pipelines')}
            </Link>
            <span className="muted">/</span>
            <Link href={`/pipelines/${encodeURIComponent(pipelineId)}`} className="muted">
              {pipeline.data?.pipeline.name ?? pipelineId}
            </Link>
            <span className="muted">/</span>
            <span className="muted">{t('dashboard.title')}</span>
          </div>
          <h1>
            <span data-testid="dashboard-pipeline-name">{pipeline.data?.pipeline.name ?? pipelineId}</span> {state && <StateBadge state={state} />}
          </h1>
        </div>
        <div className="dashboard-controls">
          <span className={`live${connected ? ' on' : ''}`} data-testid="live-indicator" title={connected ? t('dashboard.liveOn') : t('dashboard.liveOff')}>
            <span className="live-dot" aria-hidden />
            {connected ? t('dashboard.live') : t('dashboard.offline')}
          </span>
          <span className="muted small" data-testid="last-update">
            {modules.at ? t('dashboard.updatedAt', { time: formatTime(modules.at, locale) }) : ''}
          </span>
          <label className="control">
            <span>{t('dashboard.module')}</span>
            <select className="input" value={module ?? ''} onChange={(e) => setModule(e.target.value || null)} data-testid="module-filter">
              <option value="">{t('dashboard.allModules')}</option>
              {module && !moduleRows.some((r) => r.key === module) && <option value={module}>{module}</option>}
              {moduleRows.map((r) => (
                <option key={r.key} value={r.key}>
                  {r.key}
                </option>
              ))}
            </select>
          </label>
          <label className="control">
            <span>{t('dashboard.range')}</span>
            <select className="input" value={range.id} onChange={(e) => setRangeId(e.target.value as TimeRangeId)} data-testid="time-range">
              {timeRanges.map((r) => (
                <option key={r.id} value={r.id}>
                  {t(`range.${r.id}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>

      {modules.error && !noView && <ErrorBanner error={modules.error} title={t('dashboard.statsFailed')} />}
      {status.data?.error && <ErrorBanner error={new Error(status.data.error.message)} title={t('editor.runtimeError')} />}
      {deployError ? <ErrorBanner error={deployError} title={t('dashboard.deployFailed')} onDismiss={() => setDeployError(null)} /> : null}

      <KpiTiles total={total} uniques={uniques.data?.uniques ?? null} eventsPerSec={eventsPerSec} topModule={moduleRows[0] ?? null} rangeLabel={rangeLabel} />

      {noView ? (
        <div className="empty-state" data-testid="dashboard-no-view">
          <h2>{t('dashboard.noViewTitle')}</h2>
          <p>{t('dashboard.noViewBody')}</p>
          <Link href={`/pipelines/${encodeURIComponent(pipelineId)}`} className="btn">
            {t('action.openEditor')}
          </Link>
        </div>
      ) : total === 0 ? (
        <DashboardEmpty pipelineId={pipelineId} state={state} deploying={deploying} onDeploy={() => void deploy()} />
      ) : (
        <div className="widget-grid">
          {widgets.map(({ id, span, Component }) => (
            <div key={id} className={`span-${span}`}>
              <Component pipelineId={pipelineId} range={range} module={module} refreshKey={refreshKey} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
