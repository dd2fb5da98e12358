import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';

const MiB = 1024 * 1024;

export const fileChannelSpec = defineNode({
  type: 'channel.file',
  category: 'channel',
  title: { en: 'File channel', zh: '文件通道' },
  description: {
    en: 'A durable queue between sources and sinks (Flume FileChannel): a write-ahead log on disk plus periodic checkpoints. Every acknowledged put survives a kill -9 of the agent; after a restart, events that were taken but not committed are delivered again, in order. When it is full (events or disk), sources wait: back-pressure, no loss.',
    zh: '源与汇之间的持久化队列（Flume FileChannel）：磁盘上的预写日志加定期检查点。已确认写入的事件在代理被 kill -9 后仍然保留；重启后，已取出但未提交的事件按原顺序重新投递。满（事件数或磁盘）时源等待：背压，不丢数据。',
  },
  inputs: [{ name: 'in', kind: 'event', required: true, multiple: true }],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    checkpointDir: z
      .string()
      .default('')
      .describe("Folder of the checkpoint and the lock file. Empty: 'checkpoint' in the node's data folder; a relative path is taken from that folder."),
    dataDirs: z
      .string()
      .default('')
      .describe("Comma-separated folders for the log files (several disks share the load, round robin). Empty: 'data' in the node's data folder."),
    capacity: z.number().int().min(1).max(100_000_000).default(1_000_000).describe('Maximum events held (taken but not committed ones count).'),
    transactionCapacity: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe('Maximum events a source puts or a sink takes in one transaction.'),
    maxFileSize: z
      .number()
      .int()
      .min(64 * 1024)
      .max(2_146_435_071)
      .default(64 * MiB)
      .describe('Bytes per log file before it rolls over (at most a quarter of maxDiskBytes is used). Consumed files are deleted after the next checkpoint.'),
    minimumRequiredSpace: z
      .number()
      .int()
      .min(0)
      .default(524_288_000)
      .describe('Free bytes the data folders\' filesystem must keep; below it, sources wait (error channel_disk_full).'),
    checkpointInterval: z.number().int().min(100).max(3_600_000).default(30_000).describe('Milliseconds between checkpoints. Shorter: faster restart, more writes.'),
    checkpointOnClose: z.boolean().default(true).describe('Write a checkpoint when the agent stops, so the next start replays nothing.'),
    maxDiskBytes: z
      .number()
      .int()
      .min(MiB)
      .default(2 * 1024 * MiB)
      .describe('Bound on the bytes of all log files; above it, sources wait until sinks drain the channel (error channel_disk_full).'),
    fsyncPerTransaction: z
      .boolean()
      .default(false)
      .describe('fsync the log before acknowledging each transaction: survives power loss and OS crashes, at a large cost in throughput. Off (Weir default; Flume\'s is on): an acknowledged event survives a kill -9 of the agent, and the log is fsynced every fsyncInterval seconds and at each checkpoint.'),
    fsyncInterval: z.number().int().min(0).max(3600).default(5).describe('Seconds between background fsyncs of the log when fsyncPerTransaction is off; 0 = only at checkpoints.'),
  }),
  fieldHelpZh: {
    checkpointDir: "检查点与锁文件所在的目录。留空：节点数据目录下的 'checkpoint'；相对路径以该目录为基准。",
    dataDirs: "存放日志文件的目录，以逗号分隔（多块磁盘轮流分担负载）。留空：节点数据目录下的 'data'。",
    capacity: '最多容纳的事件数（已取出但未提交的事件也计入）。',
    transactionCapacity: '源在一个事务中写入、或汇在一个事务中取出的最大事件数。',
    maxFileSize: '单个日志文件滚动前的字节数（最多使用 maxDiskBytes 的四分之一）。已消费的文件在下一次检查点后删除。',
    minimumRequiredSpace: '数据目录所在文件系统必须保留的空闲字节数；低于此值时源等待（错误 channel_disk_full）。',
    checkpointInterval: '两次检查点之间的毫秒数。越短：重启越快，写入越多。',
    checkpointOnClose: '代理停止时写一次检查点，下次启动便无需重放。',
    maxDiskBytes: '全部日志文件的字节数上限；超过时源等待，直到汇把通道排空（错误 channel_disk_full）。',
    fsyncPerTransaction:
      '每个事务确认前先对日志执行 fsync：断电和操作系统崩溃后数据仍在，但吞吐量代价很大。关闭（Weir 默认；Flume 默认开启）时：已确认的事件在代理被 kill -9 后仍然保留，日志每隔 fsyncInterval 秒以及每次检查点时 fsync。',
    fsyncInterval: 'fsyncPerTransaction 关闭时，后台对日志执行 fsync 的间隔秒数；0 = 仅在检查点时。',
  },
});
