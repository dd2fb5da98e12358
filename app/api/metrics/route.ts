import { getWeir } from '@/engine/runtime/weir';
import { route } from '../_lib/http';

export const dynamic = 'force-dynamic';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Per-node counters of every pipeline in the Prometheus text format. */
export const GET = route(async () => {
  const { repo, runtime } = await getWeir();
  const series: Record<string, { help: string; type: 'counter' | 'gauge'; lines: string[] }> = {
    weir_node_events_in_total: { help: 'Events a node received.', type: 'counter', lines: [] },
    weir_node_events_out_total: { help: 'Events a node emitted.', type: 'counter', lines: [] },
    weir_node_errors_total: { help: 'Records a node failed (sent to dead letters) or failed sends.', type: 'counter', lines: [] },
    weir_channel_fill_ratio: { help: 'Share of a channel\'s capacity in use.', type: 'gauge', lines: [] },
    weir_topic_lag_messages: { help: 'Messages in a topic not yet processed by the pipeline.', type: 'gauge', lines: [] },
    weir_pipeline_up: { help: '1 when the pipeline is running.', type: 'gauge', lines: [] },
  };
  for (const meta of await repo.list()) {
    const status = await runtime.status(meta.id);
    const p = `pipeline="${esc(meta.id)}"`;
    series.weir_pipeline_up.lines.push(`weir_pipeline_up{${p}} ${status.state === 'running' ? 1 : 0}`);
    for (const [node, m] of Object.entries(status.nodes)) {
      const l = `${p},node="${esc(node)}"`;
      series.weir_node_events_in_total.lines.push(`weir_node_events_in_total{${l}} ${m.in}`);
      series.weir_node_events_out_total.lines.push(`weir_node_events_out_total{${l}} ${m.out}`);
      series.weir_node_errors_total.lines.push(`weir_node_errors_total{${l}} ${m.errors}`);
      if (m.fill !== undefined) series.weir_channel_fill_ratio.lines.push(`weir_channel_fill_ratio{${l}} ${m.fill}`);
      if (m.lag !== undefined) series.weir_topic_lag_messages.lines.push(`weir_topic_lag_messages{${l}} ${m.lag}`);
      for (const [counter, value] of Object.entries(m.flume ?? {})) {
        // Flume's counter names, as its JMX/HTTP monitoring reports them: EventPutSuccessCount → weir_flume_event_put_success_count.
        const name = `weir_flume_${counter.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;
        const isCounter = /(Count|Timer)$/.test(counter) && counter !== 'ChannelSize';
        series[name] ??= { help: `Flume ${counter} of an agent component.`, type: isCounter ? 'counter' : 'gauge', lines: [] };
        series[name].lines.push(`${name}{${l}} ${value}`);
      }
    }
  }
  const text = Object.entries(series)
    .map(([name, s]) => [`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`, ...s.lines].join('\n'))
    .join('\n');
  return new Response(`${text}\n`, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } });
});
