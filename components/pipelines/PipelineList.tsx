'use client';

import Link from 'next/link';
import { api } from '@/components/api/client';
import type { PipelineSummary } from '@/components/api/types';
import { ErrorBanner } from '@/components/ui/ErrorBanner';
import { StateBadge } from '@/components/ui/StateBadge';
import { formatDateTime, formatRate } from '@/components/ui/format';
import { useI18n } from '@/components/ui/i18n';
import { usePolling } from '@/components/ui/use-polling';
import { NewPipelineActions } from './NewPipelineActions';

const refreshMs = 2000;

export function PipelineList() {
  const { t, locale } = useI18n();
  const { data, error } = usePolling(() => api.listPipelines(), refreshMs);
  const pipelines = data?.pipelines ?? null;

  return (
    <div className="page" data-testid="pipelines-page">
      <div className="page-head">
        <div>
          <h1>{t('list.title')}</h1>
          <p className="muted">{t('list.subtitle')}</p>
        </div>
        <NewPipelineActions existingNames={pipelines?.map((p) => p.name) ?? null} />
      </div>

      {error && <ErrorBanner error={error} title={t('list.loadFailed')} />}

      {pipelines === null && !error && <p className="muted">{t('common.loading')}</p>}

      {pipelines !== null && pipelines.length === 0 && (
        <div className="empty-state" data-testid="pipelines-empty">
          <h2>{t('list.emptyTitle')}</h2>
          <p>{t('list.emptyBody')}</p>
          <NewPipelineActions existingNames={[]} />
        </div>
      )}

      {pipelines !== null && pipelines.length > 0 && (
        <table className="table" data-testid="pipelines-table">
          <thead>
            <tr>
              <th>{t('list.name')}</th>
              <th>{t('list.state')}</th>
              <th className="num">{t('list.eventsPerSec')}</th>
              <th className="num">{t('list.version')}</th>
              <th>{t('list.updated')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pipelines.map((p: PipelineSummary) => (
              <tr key={p.id} data-testid="pipeline-row" data-pipeline-id={p.id} data-pipeline-name={p.name}>
                <td>
                  <Link href={`/pipelines/${encodeURIComponent(p.id)}`} className="strong">
                    {p.name}
                  </Link>
                  <div className="muted small mono">{p.id}</div>
                </td>
                <td>
                  <StateBadge state={p.state} />
                </td>
                <td className="num mono" data-testid="pipeline-eps">
                  {formatRate(p.eventsPerSec ?? 0, locale)}
                </td>
                <td className="num mono">v{p.version}</td>
                <td className="muted">{formatDateTime(p.updatedAt, locale)}</td>
                <td className="row-actions">
                  <Link href={`/pipelines/${encodeURIComponent(p.id)}`} className="btn btn-small" data-testid="open-editor">
                    {t('action.editor')}
                  </Link>
                  <Link
                    href={`/pipelines/${encodeURIComponent(p.id)}/dashboard`}
                    className="btn btn-small"
                    data-testid="open-dashboard"
                  >
                    {t('action.dashboard')}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
