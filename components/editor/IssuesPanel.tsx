'use client';

import type { ValidationIssue } from '@/engine/spec/errors';
import { useT } from '@/components/ui/i18n';

interface IssuesPanelProps {
  issues: ValidationIssue[] | null;
  onSelectNode: (nodeId: string) => void;
  onClose: () => void;
}

const edgeText = (e: NonNullable<ValidationIssue['edge']>) => `${e.from.node}.${e.from.port} → ${e.to.node}.${e.to.port}`;

/** The API's verdict on the document, one line per issue; clicking one selects its node. */
export function IssuesPanel({ issues, onSelectNode, onClose }: IssuesPanelProps) {
  const t = useT();
  if (issues === null) return null;
  return (
    <section className={`issues-panel${issues.length ? ' has-issues' : ' ok'}`} data-testid="issues-panel">
      <header>
        <strong>{issues.length ? t('issues.title', { n: issues.length }) : t('issues.none')}</strong>
        <button type="button" className="link-button" onClick={onClose}>
          {t('action.close')}
        </button>
      </header>
      {issues.length > 0 && (
        <ul className="issue-list">
          {issues.map((issue, i) => (
            <li key={i} data-testid="issue">
              <code className="issue-code">{issue.code}</code>
              {issue.nodeId && (
                <button type="button" className="link-button mono" onClick={() => onSelectNode(issue.nodeId!)}>
                  {issue.nodeId}
                </button>
              )}
              {issue.edge && <span className="mono muted">{edgeText(issue.edge)}</span>}
              <span className="issue-message">{issue.message}</span>
              <span className="muted mono small">{issue.path}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
