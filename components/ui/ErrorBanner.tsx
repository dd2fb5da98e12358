'use client';

import { ApiError } from '@/components/api/client';
import { useT } from './i18n';

/** Says what failed and, for API errors, the stable code so people can search for it. */
export function ErrorBanner({ error, title, onDismiss }: { error: unknown; title?: string; onDismiss?: () => void }) {
  const t = useT();
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner">
      <strong>{title ?? t('error.api')}</strong>
      <span>{code === 'network' ? t('error.network') : message}</span>
      {code && code !== 'network' && <code>{code}</code>}
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          {t('action.dismiss')}
        </button>
      )}
    </div>
  );
}
