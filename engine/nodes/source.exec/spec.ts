import { z } from 'zod';
import { channelSelectorFieldHelpZh, channelSelectorFields } from '../../spec/channel-selector';
import { defineNode } from '../../spec/node-spec';

/** A charset name TextDecoder knows (Java names like UTF-8, GBK, ISO-8859-1 are labels it accepts). */
export const charsetField = (fallback: string) =>
  z
    .string()
    .min(1)
    .max(40)
    .default(fallback)
    .refine(
      (label) => {
        try {
          new TextDecoder(label);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'is not a known charset; use e.g. UTF-8, GBK, GB18030, ISO-8859-1' },
    );

export const execSourceSpec = defineNode({
  type: 'source.exec',
  category: 'source',
  title: { en: 'Exec source', zh: '命令源' },
  description: {
    en:
      "Runs a command and turns each line it writes to stdout into an event (Flume ExecSource), e.g. tail -F access.log. A final line without a newline is sent when the command exits; bytes invalid in the charset become U+FFFD. " +
      'When the command exits it is restarted after restartThrottle (doubling while it keeps failing fast) if restart is on, else the source stays stopped; the agent goes on either way. ' +
      'At-least-once at best: a command cannot be replayed from a position, so lines read but not yet in a channel when the agent dies are lost, and events carry no origin.',
    zh:
      '运行一条命令，把它写到标准输出的每一行变成一个事件（Flume ExecSource），例如 tail -F access.log。命令退出时，末尾没有换行的最后一行也会发送；字符集中无效的字节变为 U+FFFD。' +
      '命令退出后，若开启 restart，则在 restartThrottle 之后重启（持续快速失败时间隔加倍），否则该源保持停止；两种情况下代理都继续运行。' +
      '最多为至少一次：命令无法从某个位置重放，代理崩溃时已读取但尚未进入通道的行会丢失，事件也不带来源位置。',
  },
  inputs: [],
  outputs: [{ name: 'out', kind: 'event' }],
  config: z.object({
    command: z.string().trim().min(1, 'give the command to run, e.g. tail -F /var/log/nginx/access.log').max(10_000).describe('The command; without shell it is split on spaces (no quoting), as in Flume.'),
    shell: z
      .string()
      .max(200)
      .default('')
      .describe("Shell that runs the command, e.g. '/bin/sh -c' (needed for pipes, quotes, wildcards). Empty: run the command directly."),
    restart: z.boolean().default(false).describe('Restart the command when it exits.'),
    restartThrottle: z.number().int().min(0).max(3_600_000).default(10_000).describe('Milliseconds to wait before a restart; doubles (up to 5 minutes) while the command keeps exiting within a minute.'),
    logStdErr: z.boolean().default(false).describe("Log the command's stderr lines (else they are discarded)."),
    batchSize: z.number().int().min(1).max(100_000).default(20).describe('Events handed to the channel per put.'),
    batchTimeout: z.number().int().min(1).max(3_600_000).default(3_000).describe('Milliseconds a partial batch waits before it is handed on.'),
    charset: charsetField('UTF-8').describe('Charset of the command output.'),
    ...channelSelectorFields,
  }),
  fieldHelpZh: {
    command: '要运行的命令；不设 shell 时按空格拆分（不支持引号），与 Flume 相同。',
    shell: "运行命令的 shell，例如 '/bin/sh -c'（使用管道、引号、通配符时需要）。留空：直接运行命令。",
    restart: '命令退出时重启它。',
    restartThrottle: '重启前等待的毫秒数；命令持续在一分钟内退出时加倍（最多 5 分钟）。',
    logStdErr: '把命令的 stderr 行写入日志（否则丢弃）。',
    batchSize: '每次 put 交给通道的事件数。',
    batchTimeout: '未满的批次在交出前等待的毫秒数。',
    charset: '命令输出的字符集。',
    ...channelSelectorFieldHelpZh,
  },
});
