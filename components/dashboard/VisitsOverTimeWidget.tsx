'use client';

import { useMemo } from 'react';
import { api } from '@/components/api/client';
import { useI18n } from '@/components/ui/i18n';
import { EChart } from './EChart';
import { WidgetCard } from './WidgetCard';
import { fillBuckets } from './stats-shape';
import { bucketMs, windowOf } from './time-range';
import { useStats } from './use-stats';
import type { WidgetProps } from './widget-types';

/** (a) Visits per module over the selected range; the filtered module stands out. */
export function VisitsOverTimeWidget({ pipelineId, range, module, refreshKey }: WidgetProps) {
  const { t } = useI18n();
  const { data, error } = useStats(
    async () => {
      const w = windowOf(range);
      const r = await api.statsSeries(pipelineId, { ...w, groupBy: 'module', granularity: range.granularity });
      return { ...w, series: r.series };
    },
    `${pipelineId}:${range.id}`,
    refreshKey,
  );

  const option = useMemo(() => {
    const bucket = bucketMs[range.granularity];
    const series = (data?.series ?? [])
      .map((s) => ({ key: s.key, points: fillBuckets(s.points, data!.from, data!.to, bucket) }))
      .map((s) => ({ ...s, total: s.points.reduce((sum, [, n]) => sum + n, 0) }))
      .sort((a, b) => b.total - a.total);
    return {
      tooltip: { trigger: 'axis', order: 'valueDesc' },
      legend: { type: 'scroll', top: 0, left: 0, right: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 16, top: 32, bottom: 4, containLabel: true },
      xAxis: { type: 'time', axisLabel: { fontSize: 11, hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 11 }, splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: series.map((s) => ({
        // A stable id lets a refresh update the line in place instead of redrawing it from the left.
        id: `module:${s.key}`,
        type: 'line',
        name: s.key,
        showSymbol: false,
        data: s.points,
        lineStyle: { width: module === s.key ? 3 : 1.6, opacity: module && module !== s.key ? 0.25 : 1 },
        itemStyle: { opacity: module && module !== s.key ? 0.25 : 1 },
        z: module === s.key ? 3 : 2,
      })),
    };
  }, [data, module, range.granularity]);

  return (
    <WidgetCard
      title={t('dashboard.visitsOverTime')}
      subtitle={t(`dashboard.per.${range.granularity}`)}
      error={error}
      testId="widget-visits-over-time"
    >
      <EChart option={option} height={280} testId="chart-visits-over-time" ariaLabel={t('dashboard.visitsOverTime')} />
    </WidgetCard>
  );
}
