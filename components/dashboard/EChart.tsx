'use client';

import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { useI18n } from '@/components/ui/i18n';

// Only what the widgets draw is bundled (the full echarts build is several times larger).
echarts.use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, CanvasRenderer]);

/** System fonts, with CJK faces early enough that Chinese labels do not fall back to boxes. */
export const chartFontFamily =
  'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", Roboto, "Helvetica Neue", Arial, sans-serif';

export const chartPalette = ['#2563eb', '#16a34a', '#d97706', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#9333ea'];

interface EChartProps {
  option: EChartsCoreOption;
  height: number;
  testId?: string;
  ariaLabel: string;
}

/** One ECharts instance on a div: created on mount, resized with its box, disposed on unmount. */
export function EChart({ option, height, testId, ariaLabel }: EChartProps) {
  const { locale } = useI18n();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const latest = useRef(option);

  useEffect(() => {
    latest.current = option;
  });

  // ECharts fixes its locale (dates in tooltips and time axes) at init, so a language switch re-creates it.
  useEffect(() => {
    if (!el.current) return;
    const instance = echarts.init(el.current, null, { renderer: 'canvas', locale: locale === 'zh-CN' ? 'ZH' : 'EN' });
    chart.current = instance;
    instance.setOption({ color: chartPalette, textStyle: { fontFamily: chartFontFamily }, ...latest.current });
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [locale]);

  useEffect(() => {
    // Series come and go (a module appears): those without a match by id are replaced; series with a
    // stable id are merged, so a live refresh animates from the old values instead of redrawing.
    chart.current?.setOption({ color: chartPalette, textStyle: { fontFamily: chartFontFamily }, ...option }, { replaceMerge: ['series'] });
  }, [option]);

  return <div ref={el} className="echart" style={{ height }} data-testid={testId} role="img" aria-label={ariaLabel} />;
}
