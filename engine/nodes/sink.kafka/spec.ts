import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

const config = z
  .object({
    'kafka.topic': z.string().default('').describe('Topic name; empty = the name of the connected topic node.'),
    flumeBatchSize: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('Most events per Kafka batch (one Kafka transaction in exactly-once mode).'),
    'kafka.producer.acks': z
      .enum(['all', '1', '0'])
      .default('all')
      .describe('Broker acknowledgements: all in-sync replicas, the leader only, or none. Exactly-once needs all.'),
    'kafka.producer.linger.ms': z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5)
      .describe('How long a batch that is not full waits for more events from the channel before it is sent (ms).'),
    'kafka.producer.compression.type': z
      .enum(['none', 'gzip'])
      .default('none')
      .describe('Compression of Kafka batches. snappy, lz4 and zstd need codec packages Weir does not ship.'),
    keyHeader: z
      .string()
      .max(200)
      .default('key')
      .describe('Event header whose value becomes the Kafka message key (Flume uses "key"); empty = no key, records spread over partitions.'),
    exactlyOnce: z
      .boolean()
      .default(true)
      .describe(
        'Send each batch and the source positions it carries in one Kafka transaction, and skip events already committed: no loss and no duplicate across restarts. Off: an idempotent producer, at-least-once.',
      ),
  })
  .superRefine((c, ctx) => {
    if (c.exactlyOnce && c['kafka.producer.acks'] !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka.producer.acks'],
        message: 'exactlyOnce needs kafka.producer.acks = "all" (Kafka transactions are acknowledged by all in-sync replicas): set acks to "all", or turn exactlyOnce off.',
      });
    }
  });

export type KafkaSinkConfig = z.output<typeof config>;

export const kafkaSinkSpec = defineNode({
  type: 'sink.kafka',
  category: 'sink',
  title: { en: 'Kafka sink', zh: 'Kafka 汇' },
  description: {
    en: 'Takes events from the channel in batches and writes them to the connected topic (Flume KafkaSink). Exactly-once by default: each batch and the source positions it carries are committed in one Kafka transaction, so restarts neither lose nor repeat events. Event headers become Kafka record headers; the "key" header becomes the record key.',
    zh: '从通道批量取出事件并写入所连接的主题（Flume KafkaSink）。默认精确一次：每批事件与其源位置在同一个 Kafka 事务中提交，重启既不丢也不重。事件头成为 Kafka 记录头；"key" 头成为记录键。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true }],
  outputs: [{ name: 'out', kind: 'stream' }],
  config,
  fieldHelpZh: {
    'kafka.topic': '主题名；留空 = 所连接主题节点的名称。',
    flumeBatchSize: '每个 Kafka 批次的最大事件数（精确一次模式下为一个 Kafka 事务）。',
    'kafka.producer.acks': 'Broker 确认方式：所有同步副本（all）、仅 leader（1）或不确认（0）。精确一次需要 all。',
    'kafka.producer.linger.ms': '未满的批次在发送前等待通道送来更多事件的时长（毫秒）。',
    'kafka.producer.compression.type': 'Kafka 批次的压缩方式。snappy、lz4 和 zstd 需要 Weir 未附带的编解码包。',
    keyHeader: '其值作为 Kafka 消息键的事件头（Flume 用 "key"）；留空 = 不设键，记录分散到各分区。',
    exactlyOnce: '把每批事件及其携带的源位置放在同一个 Kafka 事务中发送，并跳过已提交的事件：重启前后不丢也不重。关闭：幂等生产者，至少一次。',
  },
});
