import { z } from 'zod';
import { channelSelectorFieldHelpZh, channelSelectorFields } from '../../spec/channel-selector';
import { defineNode } from '../../spec/node-spec';

/** Public id in POST /api/collect/{sourceId}. */
export const SOURCE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${octet}(\\.${octet}){3}$`);
/** Loose IPv6 shape (hex groups, `::`, an embedded IPv4); node:net checks it fully when the source starts. */
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*$/i;

/** `10.0.0.0/8`, `192.168.1.7`, `2001:db8::/32`, `::1` (browser-safe: no node:net here). */
export function isCidr(s: string): boolean {
  const [addr, bits, extra] = s.trim().split('/');
  if (extra !== undefined) return false;
  const v4 = IPV4.test(addr);
  if (!v4 && !IPV6.test(addr)) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (v4 ? 32 : 128);
}

const ORIGIN = /^https?:\/\/[^/\s?#]+$/i;

export const httpSourceSpec = defineNode({
  type: 'source.http',
  category: 'source',
  title: { en: 'HTTP source / browser beacon', zh: 'HTTP 源 / 浏览器信标' },
  description: {
    en:
      'Receives events over HTTP at POST /api/collect/{sourceId} (Flume HTTPSource). JSONHandler takes Flume\'s [{"headers": {...}, "body": "..."}]; ' +
      'beacon takes page views from weir-beacon.js and writes each as a combined log line (client IP, time, path, referrer, user agent), so the usual parse step reads it. ' +
      'A full channel answers 503 with Retry-After. HTTP cannot be replayed: delivery is at-least-once from the sender\'s side.',
    zh:
      '通过 HTTP 在 POST /api/collect/{sourceId} 接收事件（Flume HTTPSource）。JSONHandler 接收 Flume 的 [{"headers": {...}, "body": "..."}]；' +
      'beacon 接收 weir-beacon.js 发送的页面访问，并把每次访问写成 combined 格式日志行（客户端 IP、时间、路径、来源、UA），由常规的解析步骤读取。' +
      '通道满时返回 503 与 Retry-After。HTTP 无法重放：从发送方看是至少一次投递。',
  },
  inputs: [],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    handler: z
      .enum(['JSONHandler', 'beacon'])
      .default('JSONHandler')
      .describe('JSONHandler: Flume\'s JSON events [{"headers": {...}, "body": "..."}] (answers 200 {accepted: n}). beacon: page views from weir-beacon.js (answers 204).'),
    sourceId: z
      .string()
      .regex(SOURCE_ID_PATTERN, 'a sourceId is 1-64 letters, digits, ".", "_" or "-"')
      .or(z.literal(''))
      .default('')
      .describe('Public id in the URL POST /api/collect/{sourceId} (and the beacon\'s data-source); empty = this node\'s id. Unique across deployed pipelines.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(0)
      .describe('0 = receive only through the web server at /api/collect/{sourceId}; above 0 = also listen on this port like Flume (a standalone `weir agent`).'),
    bind: z.string().min(1).max(255).default('0.0.0.0').describe('Address the own port listens on (with port > 0).'),
    trustedProxies: z
      .array(z.string().refine(isCidr, 'an IP address or CIDR, e.g. 10.0.0.0/8 or 2001:db8::/32'))
      .default([])
      .describe('Proxies (CIDRs) whose X-Forwarded-For is believed; the client is the right-most address that is not one of them. Private addresses are always treated as proxies.'),
    maxBodyBytes: z.number().int().min(256).max(1_048_576).default(65_536).describe('Larger request bodies are refused with 413.'),
    allowedOrigins: z
      .array(z.string().refine((s) => s === '*' || ORIGIN.test(s), 'an origin like https://shop.example (scheme://host[:port], no path) or "*"'))
      .min(1)
      .default(['*'])
      .describe('Pages allowed to send (CORS): "*" or origins like https://shop.example. A request from another origin gets 403.'),
    beaconFormat: z.enum(['combined']).default('combined').describe('beacon: the log line a page view becomes (Apache/nginx combined, read by op.parse format "combined").'),
    putTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(30_000)
      .default(1_000)
      .describe('How long a request waits for room in a full channel before the answer is 503 with Retry-After.'),
    ...channelSelectorFields,
  }),
  fieldHelpZh: {
    handler: 'JSONHandler：Flume 的 JSON 事件 [{"headers": {...}, "body": "..."}]（响应 200 {accepted: n}）。beacon：来自 weir-beacon.js 的页面访问（响应 204）。',
    sourceId: 'URL POST /api/collect/{sourceId} 中的公开 ID（也是信标的 data-source）；留空 = 本节点的 ID。在所有已部署的管道中唯一。',
    port: '0 = 只通过 Web 服务器的 /api/collect/{sourceId} 接收；大于 0 = 还像 Flume 一样监听此端口（独立运行的 `weir agent`）。',
    bind: '自有端口监听的地址（port > 0 时）。',
    trustedProxies: '采信其 X-Forwarded-For 的代理服务器（CIDR）；客户端是最右侧不属于这些代理服务器的地址。私有地址始终视为代理服务器。',
    maxBodyBytes: '超过此大小的请求体以 413 拒绝。',
    allowedOrigins: '允许发送的页面（CORS）："*" 或形如 https://shop.example 的 origin。来自其他 origin 的请求得到 403。',
    beaconFormat: 'beacon：页面访问转成的日志行格式（Apache/nginx combined，由 op.parse 的 format "combined" 读取）。',
    putTimeoutMs: '通道满时请求等待空位的时长，超时则返回 503 与 Retry-After。',
    ...channelSelectorFieldHelpZh,
  },
});

export type HttpSourceConfig = z.output<typeof httpSourceSpec.config>;
