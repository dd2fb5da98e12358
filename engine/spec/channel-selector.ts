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

/** zh-CN help for the selector fields, spread into each source spec's `fieldHelpZh`. */
export const channelSelectorFieldHelpZh: Record<keyof typeof channelSelectorFields, string> = {
  'selector.type': '事件如何分配到所连接的各个通道。',
  'selector.header': '多路复用：用其值来选择通道的头部。',
  'selector.mapping': '多路复用：头部值 → 通道节点 ID 列表。',
  'selector.default': '多路复用：没有映射的值所使用的通道。',
};

export interface ChannelSelectorConfig {
  'selector.type': 'replicating' | 'multiplexing';
  'selector.header': string;
  'selector.mapping': Record<string, string[]>;
  'selector.default': string[];
}
