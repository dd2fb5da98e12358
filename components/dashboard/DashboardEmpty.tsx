'use client';

import Link from 'next/link';
import type { PipelineState } from '@/components/api/types';
import { useT } from '@/components/ui/i18n';

export function DashboardEmpty({
  pipelineId,
  state,
  deploying,
  onDeploy,
}: {
  pipelineId: string;
  state: PipelineState | null;
  deploying: boolean;
  onDeploy: () => void;
}) {
  const t = useT();
  const running = state === 'running' || state === 'deploying';
  return (
    <div className="empty-state" data-testid="dashboard-empty">
      <h2>{t('dashboard.emptyTitle')}</h2>
      <p>{running ? t('dashboard.emptyRunning') : t('dashboard.emptyStopped')}</p>
      <div className="button-row center">
        {!running && (
          <button type="button" className="btn btn-primary" onClick={onDeploy} disabled={deploying} data-testid="dashboard-deploy">
            {deploying ? t('action.deploying') : t('action.deploy')}
          </button>
        )}
        <Link href={`/pipelines/${encodeURIComponent(pipelineId)}`} className="btn">
          {t('action.openEditor')}
        </Link>
      </div>
    </div>
  );
}
