'use client';

import type { PipelineState } from '@/components/api/types';
import { useT } from './i18n';

export function StateBadge({ state }: { state: PipelineState | null | undefined }) {
  const t = useT();
  const s = state ?? 'unknown';
  return (
    <span className={`badge badge-${s}`} data-testid="state-badge" data-state={s}>
      <span className="badge-dot" aria-hidden />
      {t(`state.${s}`)}
    </span>
  );
}
