'use client';

import { useMemo } from 'react';
import { api } from '@/components/api/client';
import type { StatsBreakdown } from '@/components/api/types';
import { useI18n } from '@/components/ui/i18n';
import type { MessageKey } from '@/components/ui/messages';
import { formatCount } from '@/components/ui/format';
import { EChart } from './EChart';
import { WidgetCard } from './WidgetCard';
import { topWithOther } from './stats-shape';
import { windowOf } from './time-range';
import { useStats } from './use-stats';
import type { WidgetProps } from './widget-types';

const dimensions = ['browser', 'os', 'device'] as const;
type ClientDimension = (typeof dimensions)[number];
const slices = 6;
const otherKey = '\u0000other';

/** Device classes are a fixed vocabulary worth translating; browser and OS names are proper nouns. */
const deviceKeys: Record<string, MessageKey> = {
  desktop: 'device.desktop',
  mobile: 'device.mobile',
  tablet: 'device.tablet',
  bot: 'device.bot',
  smarttv: 'device.smarttv',
  console: 'device.console',
  wearable: 'device.wearable',
  embedded: 'device.embedded',
};

function ClientPie({ dimension, data }: { dimension: ClientDimension; data: StatsBreakdown | null }) {
  const { t, locale } = useI18n();
  const option = useMemo(() => {
    const label = (key: string) =>
      key === otherKey
        ? t('dashboard.other')
        : key === 'unknown' || key === ''
          ? t('dashboard.unknown')
          : dimension === 'device' && deviceKeys[key.toLowerCase()]
            ? t(deviceKeys[key.toLowerCase()])
            : key;
    const rows = topWithOther(data?.breakdown ?? [], slices, otherKey, data?.other ?? 0).map((r) => ({ name: label(r.key), value: r.count }));
    const total = rows.reduce((sum, r) => sum + r.value, 0);
    const share = new Map(rows.map((r) => [r.name, total ? (r.value / total) * 100 : 0]));
    return {
      title: { text: t(`dashboard.client.${dimension}`), left: 'center', top: 0, textStyle: { fontSize: 12, fontWeight: 600 } },
      tooltip: {
        trigger: 'item',
        formatter: (p: { name: string; value: number; percent: number }) => `${p.name}<br/><b>${formatCount(p.value, locale)}</b> (${p.percent.toFixed(1)}%)`,
      },
      // Percentages sit in the legend, not on leader lines: they stay legible in a narrow card.
      legend: {
        type: 'plain',
        orient: 'vertical',
        left: '58%',
        top: 'middle',
        itemWidth: 10,
        itemHeight: 10,
        itemGap: 6,
        textStyle: { fontSize: 11 },
        formatter: (name: string) => `${name}  ${(share.get(name) ?? 0).toFixed(1)}%`,
      },
      series: [
        {
          id: dimension,
          type: 'pie',
          name: t(`dashboard.client.${dimension}`),
          radius: ['42%', '70%'],
          center: ['30%', '55%'],
          label: { show: false },
          data: rows,
        },
      ],
    };
  }, [data, dimension, locale, t]);
  return <EChart option={option} height={200} testId={`chart-client-${dimension}`} ariaLabel={t(`dashboard.client.${dimension}`)} />;
}

/** (c) Which clients visit: browser, operating system and device class. */
export function ClientBreakdownWidget({ pipelineId, range, module, refreshKey }: WidgetProps) {
  const { t } = useI18n();
  const { data, error } = useStats(
    async () => {
      const q = { ...windowOf(range), filter: module ? { module } : undefined };
      const answers = await Promise.all(dimensions.map((groupBy) => api.statsBreakdown(pipelineId, { ...q, groupBy })));
      return Object.fromEntries(dimensions.map((d, i) => [d, answers[i]])) as Record<ClientDimension, StatsBreakdown>;
    },
    `${pipelineId}:${range.id}:${module ?? ''}`,
    refreshKey,
  );
  return (
    <WidgetCard title={t('dashboard.byClient')} error={error} testId="widget-clients">
      <div className="pie-grid">
        {dimensions.map((d) => (
          <ClientPie key={d} dimension={d} data={data?.[d] ?? null} />
        ))}
      </div>
    </WidgetCard>
  );
}
