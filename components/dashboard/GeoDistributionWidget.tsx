'use client';

import { useMemo, useState } from 'react';
import { api } from '@/components/api/client';
import { useI18n } from '@/components/ui/i18n';
import { formatCount } from '@/components/ui/format';
import { EChart } from './EChart';
import { WidgetCard } from './WidgetCard';
import { countryNamer, geoLabel } from './stats-shape';
import { windowOf } from './time-range';
import { useStats } from './use-stats';
import type { WidgetProps } from './widget-types';

type GeoLevel = 'country' | 'region' | 'city';
const levels: GeoLevel[] = ['country', 'region', 'city'];
const topN = 15;

/** (b) Where visits come from: top 15 countries, provinces/states or cities. */
export function GeoDistributionWidget({ pipelineId, range, module, refreshKey }: WidgetProps) {
  const { t, locale } = useI18n();
  const [level, setLevel] = useState<GeoLevel>('region');
  const { data, error } = useStats(
    () =>
      api.statsBreakdown(pipelineId, { ...windowOf(range), groupBy: level, filter: module ? { module } : undefined }),
    `${pipelineId}:${range.id}:${level}:${module ?? ''}`,
    refreshKey,
  );

  const option = useMemo(() => {
    const names = countryNamer(locale);
    const rows = [...(data?.breakdown ?? [])].sort((a, b) => b.count - a.count).slice(0, topN);
    const total = data?.total ?? 0;
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: (v: number) => `${formatCount(v, locale)}${total ? ` (${((v / total) * 100).toFixed(1)}%)` : ''}`,
      },
      grid: { left: 8, right: 48, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { show: false }, splitLine: { lineStyle: { color: '#eef0f3' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => geoLabel(r.key, names, t('dashboard.unknown'))),
        axisLabel: { fontSize: 11, width: 150, overflow: 'truncate' },
        axisTick: { show: false },
      },
      series: [
        {
          id: 'visits',
          type: 'bar',
          name: t('dashboard.visits'),
          data: rows.map((r) => r.count),
          barMaxWidth: 16,
          itemStyle: { color: '#2563eb', borderRadius: [0, 3, 3, 0] },
          label: { show: true, position: 'right', fontSize: 11, formatter: (p: { value: number }) => formatCount(p.value, locale) },
        },
      ],
    };
  }, [data, locale, t]);

  const controls = (
    <div className="segmented" role="group" aria-label={t('dashboard.geoLevel')} data-testid="geo-level">
      {levels.map((l) => (
        <button key={l} type="button" className={l === level ? 'active' : undefined} aria-pressed={l === level} onClick={() => setLevel(l)}>
          {t(`dashboard.geo.${l}`)}
        </button>
      ))}
    </div>
  );

  return (
    <WidgetCard
      title={t('dashboard.byRegion')}
      subtitle={t('dashboard.topN', { n: topN })}
      controls={controls}
      error={error}
      testId="widget-geo"
    >
      <EChart option={option} height={420} testId="chart-geo" ariaLabel={t('dashboard.byRegion')} />
    </WidgetCard>
  );
}
