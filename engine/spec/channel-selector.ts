import { z } from 'zod';

/**
 * Flume's channel selector, configured on a source (`selector.*` properties) and shared by every
 * source type. Replicating puts each event into every connected channel; multiplexing picks the
 * channels by a header's value (`selector.mapping`: value → channel node ids), else `selector.default`.
 */
export const channelSelectorFields = {
  'selector.type': z.enum(['replicating', 'multiplexing']).default('replicating').describe('How events are spread over the connected channels.'),
  'selector.header': z.string().default('').describe('Multiplexing: the header whose value picks the channels.'),
  'selector.mapping': z
    .record(z.string(), z.array(z.string().min(1)))
    .default({})
    .describe('Multiplexing: header value → channel node ids.'),
  'selector.default': z.array(z.string().min(1)).default([]).describe('Multiplexing: channels for values without a mapping.'),
};

export interface ChannelSelectorConfig {
  'selector.type': 'replicating' | 'multiplexing';
  'selector.header': string;
  'selector.mapping': Record<string, string[]>;
  'selector.default': string[];
}
