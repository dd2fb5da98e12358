'use client';

import '@xyflow/react/dist/style.css';
import Link from 'next/link';
import { ReactFlowProvider } from '@xyflow/react';
import { api, ApiError } from '@/components/api/client';
import { usePolling } from '@/components/ui/use-polling';
import { ErrorBanner } from '@/components/ui/ErrorBanner';
import { useT } from '@/components/ui/i18n';
import { EditorWorkspace } from './EditorWorkspace';

/** Loads the pipeline once, then hands it to the workspace, which owns the editing state. */
export function Editor({ pipelineId }: { pipelineId: string }) {
  const t = useT();
  const { data, error, refresh } = usePolling(() => api.getPipeline(pipelineId), null, pipelineId);

  if (error && !data) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <div className="page">
        <ErrorBanner error={error} title={notFound ? t('editor.notFound', { id: pipelineId }) : t('editor.loadFailed')} />
        <p>
          <Link href="/">{t('action.backToPipelines')}</Link>
          {!notFound && (
            <>
              {' · '}
              <button type="button" className="link-button" onClick={refresh}>
                {t('action.retry')}
              </button>
            </>
          )}
        </p>
      </div>
    );
  }
  if (!data) return <div className="page muted">{t('common.loading')}</div>;

  return (
    <ReactFlowProvider>
      <EditorWorkspace key={`${data.pipeline.id}@${data.pipeline.version}`} initial={data.pipeline} initialState={data.state} />
    </ReactFlowProvider>
  );
}
