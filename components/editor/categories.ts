import type { NodeCategory, PortKind } from '@/engine/spec/node-spec';

/** Palette order follows the data's path: agent → transport → processor → serving. */
export const categoryOrder: NodeCategory[] = ['source', 'interceptor', 'channel', 'sink', 'topic', 'processor', 'view', 'deadletter'];

export const categoryColor: Record<NodeCategory, string> = {
  source: '#16a34a',
  interceptor: '#0d9488',
  channel: '#d97706',
  sink: '#ea580c',
  topic: '#7c3aed',
  processor: '#2563eb',
  view: '#db2777',
  deadletter: '#dc2626',
};

export const portKindColor: Record<PortKind, string> = {
  event: '#16a34a',
  stream: '#7c3aed',
  visit: '#2563eb',
  counts: '#db2777',
  dead: '#dc2626',
};
