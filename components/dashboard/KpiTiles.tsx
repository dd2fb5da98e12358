'use client';

import { formatCount, formatRate } from '@/components/ui/format';
import { useI18n } from '@/components/ui/i18n';

interface KpiTilesProps {
  total: number | null;
  /** Distinct visitors (HyperLogLog estimate), null while unknown or without a uniques node. */
  uniques: number | null;
  eventsPerSec: number | null;
  topModule: { key: string; count: number } | null;
  rangeLabel: string;
}

export function KpiTiles({ total, uniques, eventsPerSec, topModule, rangeLabel }: KpiTilesProps) {
  const { t, locale } = useI18n();
  return (
    <div className="kpis">
      <div className="kpi" data-testid="kpi-total">
        <div className="kpi-label">{t('dashboard.kpi.visits')}</div>
        <div className="kpi-value" data-testid="kpi-total-value" data-value={total ?? ''}>
          {total === null ? '–' : new Intl.NumberFormat(locale).format(total)}
        </div>
        <div className="kpi-foot muted">{rangeLabel}</div>
      </div>
      <div className="kpi" data-testid="kpi-uniques">
        <div className="kpi-label">{t('dashboard.kpi.uniques')}</div>
        <div className="kpi-value" data-testid="kpi-uniques-value">
          {uniques === null ? '–' : new Intl.NumberFormat(locale).format(uniques)}
        </div>
        <div className="kpi-foot muted">{t('dashboard.kpi.uniquesFoot')}</div>
      </div>
      <div className="kpi" data-testid="kpi-eps">
        <div className="kpi-label">{t('dashboard.kpi.eventsPerSec')}</div>
        <div className="kpi-value" data-testid="kpi-eps-value">
          {eventsPerSec === null ? '–' : formatRate(eventsPerSec, locale)}
        </div>
        <div className="kpi-foot muted">{t('dashboard.kpi.eventsPerSecFoot')}</div>
      </div>
      <div className="kpi" data-testid="kpi-top-module">
        <div className="kpi-label">{t('dashboard.kpi.topModule')}</div>
        <div className="kpi-value">{topModule ? topModule.key : '–'}</div>
        <div className="kpi-foot muted">
          {topModule && total ? t('dashboard.kpi.share', { pct: ((topModule.count / total) * 100).toFixed(1), n: formatCount(topModule.count, locale) }) : rangeLabel}
        </div>
      </div>
    </div>
  );
}
