'use client';

import type { ReactNode } from 'react';
import { useT } from '@/components/ui/i18n';

export function WidgetCard({
  title,
  subtitle,
  controls,
  error,
  testId,
  children,
}: {
  title: string;
  subtitle?: string;
  controls?: ReactNode;
  error?: Error | null;
  testId: string;
  children: ReactNode;
}) {
  const t = useT();
  return (
    <section className="widget" data-testid={testId}>
      <header className="widget-head">
        <div>
          <h3>{title}</h3>
          {subtitle && <div className="muted small">{subtitle}</div>}
        </div>
        {controls}
      </header>
      {error && (
        <div className="widget-error" role="alert">
          {t('dashboard.widgetFailed')}: {error.message}
        </div>
      )}
      <div className="widget-body">{children}</div>
    </section>
  );
}
