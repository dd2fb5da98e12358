import type { ChannelSelectorConfig } from '../spec/channel-selector';
import type { FlumeEvent } from './types';

/** Splits a batch over a source's channels (Flume's replicating / multiplexing selectors). */
export type ChannelSelector = (events: FlumeEvent[]) => Map<string, FlumeEvent[]>;

export function channelSelector(config: Partial<ChannelSelectorConfig>, channels: string[]): ChannelSelector {
  if (config['selector.type'] !== 'multiplexing') {
    return (events) => new Map(channels.map((c) => [c, events]));
  }
  const header = config['selector.header'] ?? '';
  const mapping = new Map(Object.entries(config['selector.mapping'] ?? {}));
  // Flume sends events with no mapping and no default nowhere; Weir falls back to every channel
  // rather than drop them silently.
  const fallback = config['selector.default']?.length ? config['selector.default'] : channels;
  return (events) => {
    const out = new Map<string, FlumeEvent[]>();
    for (const e of events) {
      for (const c of mapping.get(e.headers[header] ?? '') ?? fallback) {
        let list = out.get(c);
        if (!list) out.set(c, (list = []));
        list.push(e);
      }
    }
    return out;
  };
}
