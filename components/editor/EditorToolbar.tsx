'use client';

import Link from 'next/link';
import type { MouseEvent, ReactNode } from 'react';
import type { PipelineState } from '@/components/api/types';
import { StateBadge } from '@/components/ui/StateBadge';
import { useT } from '@/components/ui/i18n';

export type EditorBusy = 'save' | 'validate' | 'deploy' | 'stop' | null;

interface EditorToolbarProps {
  pipelineId: string;
  name: string;
  version: number;
  state: PipelineState | null;
  dirty: boolean;
  busy: EditorBusy;
  notice: { kind: 'ok' | 'error'; text: string } | null;
  onSave: () => void;
  onValidate: () => void;
  onDeploy: () => void;
  onStop: () => void;
  /** More actions, drawn before Validate (e.g. Flume import/export). */
  extraActions?: ReactNode;
}

export function EditorToolbar(p: EditorToolbarProps) {
  const t = useT();
  const running = p.state === 'running' || p.state === 'deploying';
  // In-app links do not fire beforeunload, so unsaved work is guarded here.
  const guard = (e: MouseEvent) => {
    if (p.dirty && !window.confirm(t('editor.leaveConfirm'))) e.preventDefault();
  };
  return (
    <div className="toolbar" data-testid="editor-toolbar">
      <div className="toolbar-title">
        <Link href="/" className="muted" onClick={guard}>
          {t('nav.pipelines')}
        </Link>
        <span className="muted">/</span>
        <strong data-testid="editor-pipeline-name">{p.name || p.pipelineId}</strong>
        <span className="muted small" data-testid="editor-version">
          v{p.version}
        </span>
        <StateBadge state={p.state} />
        {p.dirty && (
          <span className="unsaved" data-testid="unsaved-indicator" title={t('editor.unsavedHint')}>
            ● {t('editor.unsaved')}
          </span>
        )}
      </div>
      <div className="toolbar-actions">
        {p.notice && (
          <span className={`notice notice-${p.notice.kind}`} data-testid="editor-notice" role="status">
            {p.notice.text}
          </span>
        )}
        {p.extraActions}
        <button type="button" className="btn" onClick={p.onValidate} disabled={p.busy !== null} data-testid="validate-button">
          {p.busy === 'validate' ? t('action.validating') : t('action.validate')}
        </button>
        <button
          type="button"
          className="btn"
          onClick={p.onSave}
          disabled={p.busy !== null || !p.dirty}
          data-testid="save-button"
          title={t('editor.saveHint')}
        >
          {p.busy === 'save' ? t('action.saving') : t('action.save')}
        </button>
        {running ? (
          <button type="button" className="btn btn-danger" onClick={p.onStop} disabled={p.busy !== null} data-testid="stop-button">
            {p.busy === 'stop' ? t('action.stopping') : t('action.stop')}
          </button>
        ) : (
          <button type="button" className="btn btn-primary" onClick={p.onDeploy} disabled={p.busy !== null} data-testid="deploy-button">
            {p.busy === 'deploy' ? t('action.deploying') : p.dirty ? t('action.saveAndDeploy') : t('action.deploy')}
          </button>
        )}
        <Link href={`/pipelines/${encodeURIComponent(p.pipelineId)}/dashboard`} className="btn" data-testid="dashboard-link" onClick={guard}>
          {t('action.dashboard')}
        </Link>
      </div>
    </div>
  );
}
