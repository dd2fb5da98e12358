import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const eventIdInterceptorSpec = defineNode({
  type: 'interceptor.event_id',
  category: 'interceptor',
  title: { en: 'Event id interceptor', zh: '事件 ID 拦截器' },
  description: {
    en:
      'Sets a header to an id that stays the same when the event is read again after a restart: "<origin key>:<offset>" for sources with positions (taildir, spooldir, generator), ' +
      'else the request id header, else a random UUID. Sources without positions (exec, http without a request id) therefore get ids that are not stable: a re-sent event gets a new id. ' +
      "Like Flume's UUIDInterceptor, but stable.",
    zh:
      '设置一个事件 ID 头部，事件在重启后被重读时 ID 不变：对有位置的源（taildir、spooldir、generator）为“<来源键>:<偏移>”，' +
      '否则取请求 ID 头部，再否则为随机 UUID。因此没有位置的源（exec、无请求 ID 的 http）的 ID 不稳定：重发的事件会得到新 ID。' +
      '类似 Flume 的 UUIDInterceptor，但 ID 稳定。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    headerName: z.string().min(1).max(200).default('eventId').describe('Header to set.'),
    requestIdHeader: z.string().min(1).max(200).default('requestId').describe('Header with a client-given request id, used when the event has no origin.'),
    preserveExisting: z.boolean().default(true).describe('Keep the header when the event already has it.'),
  }),
  fieldHelpZh: {
    headerName: '要设置的头部。',
    requestIdHeader: '存放客户端给出的请求 ID 的头部，在事件没有来源位置时使用。',
    preserveExisting: '事件已有该头部时保留原值。',
  },
});
