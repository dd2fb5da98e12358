import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

export const hostInterceptorSpec = defineNode({
  type: 'interceptor.host',
  category: 'interceptor',
  title: { en: 'Host interceptor', zh: '主机拦截器' },
  description: {
    en: "Sets a header to the agent machine's IP address or host name (Flume HostInterceptor), so events from many servers can be told apart.",
    zh: '把代理所在机器的 IP 地址或主机名写入一个头部（Flume HostInterceptor），以区分来自多台服务器的事件。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    preserveExisting: z.boolean().default(false).describe('Keep the header when the event already has it.'),
    useIP: z
      .boolean()
      .default(true)
      .describe("Use the machine's first external IP address (IPv4 first); off: its host name."),
    hostHeader: z.string().min(1).max(200).default('host').describe('Header to set.'),
  }),
  fieldHelpZh: {
    preserveExisting: '事件已有该头部时保留原值。',
    useIP: '使用本机的第一个外部 IP 地址（优先 IPv4）；关闭：使用主机名。',
    hostHeader: '要设置的头部。',
  },
});
