import type { PipelineInput } from './document';

/**
 * The "Site analytics" demo: generated access-log traffic → memory channel → Kafka → parse →
 * module → GeoIP → user agent → 1-minute windows and unique visitors → Redis views. Created and deployed on first start.
 */
export function siteAnalyticsTemplate(opts: { name?: string; topic?: string; rate?: number } = {}): PipelineInput {
  const node = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config });
  const edge = (from: string, to: string, fromPort = 'out', toPort = 'in') => ({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } });
  return {
    name: opts.name ?? 'Site analytics',
    nodes: [
      node('generator', 'source.generator', { rate: opts.rate ?? 20 }),
      node('channel', 'channel.memory', { capacity: 10_000, transactionCapacity: 1_000 }),
      node('kafka', 'sink.kafka', { flumeBatchSize: 500 }),
      node('visits', 'topic', { name: opts.topic ?? 'weir.site-analytics.access-log', partitions: 3 }),
      node('parse', 'op.parse', { format: 'combined' }),
      node('module', 'op.module', { strategy: 'firstSegment', default: 'home' }),
      node('geoip', 'op.geoip'),
      node('useragent', 'op.useragent'),
      node('window', 'op.window', { allowedLatenessSec: 300 }),
      node('uniques', 'op.uniques'),
      node('views', 'view.redis'),
      node('dead', 'deadletter'),
    ],
    edges: [
      edge('generator', 'channel'),
      edge('channel', 'kafka'),
      edge('kafka', 'visits'),
      edge('visits', 'parse'),
      edge('parse', 'module'),
      edge('module', 'geoip'),
      edge('geoip', 'useragent'),
      edge('useragent', 'window'),
      edge('window', 'views'),
      edge('useragent', 'uniques'),
      edge('uniques', 'views'),
      edge('parse', 'dead', 'dead', 'in'),
      edge('window', 'dead', 'dead', 'in'),
    ],
    layout: {
      generator: { x: 0, y: 0 },
      channel: { x: 260, y: 0 },
      kafka: { x: 520, y: 0 },
      visits: { x: 780, y: 0 },
      parse: { x: 0, y: 200 },
      module: { x: 260, y: 200 },
      geoip: { x: 520, y: 200 },
      useragent: { x: 780, y: 200 },
      window: { x: 1040, y: 200 },
      views: { x: 1300, y: 200 },
      uniques: { x: 1040, y: 60 },
      dead: { x: 1040, y: 380 },
    },
  };
}
