import { z } from 'zod';
import { defineNode } from '../../spec/node-spec';
import { channelSelectorFieldHelpZh, channelSelectorFields } from '../../spec/channel-selector';
import { parseFilegroupPath } from './pattern';

const GROUP_NAME = /^[A-Za-z0-9_-]+$/;

const config = z
  .object({
    filegroups: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'File groups: name → absolute path whose file-name part is a regular expression matching the whole name (as in Flume), ' +
          'e.g. { "f1": "/var/log/nginx/access\\\\.log", "f2": "/var/log/app/.*\\\\.log" }; prefix a shell glob with "glob:", e.g. /var/log/app/glob:*.log. ' +
          'For copytruncate rotation prefer a pattern that does not match the rotated copies (access\\.log, not access\\.log.*).',
      ),
    positionFile: z
      .string()
      .default('')
      .describe('Flume-format JSON file of read positions ([{"inode","pos","file"}]); empty = taildir_position.json in the node\'s data folder.'),
    batchSize: z.number().int().min(1).max(100_000).default(100).describe('Maximum lines handed to the channel per put.'),
    skipToEnd: z.boolean().default(false).describe('At first start, begin files that have no saved position at their end instead of their start.'),
    idleTimeout: z
      .number()
      .int()
      .min(10)
      .max(86_400_000)
      .default(120_000)
      .describe('Milliseconds without growth after which a file is closed; a rotated-away or deleted file then gives its last unterminated line.'),
    writePosInterval: z.number().int().min(10).max(3_600_000).default(3_000).describe('Milliseconds between writes of the position file.'),
    fileHeader: z.boolean().default(false).describe('Add the file\'s absolute path as a header.'),
    fileHeaderKey: z.string().min(1).max(200).default('file').describe('Header name for fileHeader.'),
    byteOffsetHeader: z.boolean().default(false).describe('Add the line\'s byte offset in its file as the header "byteoffset" (Flume).'),
    headers: z
      .record(z.string(), z.record(z.string(), z.string()))
      .default({})
      .describe('Static headers per file group: group → { header: value } (Flume headers.<group>.<header>).'),
    pollInterval: z.number().int().min(1).max(60_000).default(250).describe('Milliseconds between checks of the files for new lines, new files and rotation.'),
    maxLineLength: z.number().int().min(16).max(64 * 1024 * 1024).default(65_536).describe('Longest line in bytes; a longer one is truncated or dead-lettered (lineTooLong).'),
    lineTooLong: z
      .enum(['truncate', 'deadletter'])
      .default('truncate')
      .describe('Over-long lines: truncate to maxLineLength (header truncated=true) or send to the dead-letter output.'),
    ...channelSelectorFields,
  })
  .superRefine((c, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const groups = Object.keys(c.filegroups);
    if (groups.length === 0) issue(['filegroups'], 'add at least one file group, e.g. { "f1": "/var/log/nginx/access\\.log" }');
    for (const name of groups) {
      if (!GROUP_NAME.test(name)) issue(['filegroups', name], `group name "${name}" may only use letters, digits, "-" and "_" (it becomes a Flume property name)`);
      const p = parseFilegroupPath(c.filegroups[name]);
      if (!p.ok) issue(['filegroups', name], p.message);
    }
    for (const name of Object.keys(c.headers)) {
      if (!(name in c.filegroups)) issue(['headers', name], `headers for "${name}", which is not a file group; use one of: ${groups.join(', ') || '(none)'}`);
    }
    if (c.positionFile && !c.positionFile.startsWith('/')) issue(['positionFile'], `positionFile "${c.positionFile}" must be an absolute path (or empty for the default)`);
  });

export type TaildirConfig = z.output<typeof config>;

export const taildirSpec = defineNode({
  type: 'source.taildir',
  category: 'source',
  title: { en: 'Tail files', zh: '跟踪日志文件' },
  description: {
    en:
      'Follows log files line by line (Flume TaildirSource): files are tracked by inode, survive rotation by rename or copytruncate, ' +
      'and each line carries its file identity and byte offset, so restarts neither lose nor repeat a line. Positions are kept in a Flume-compatible position file.',
    zh:
      '逐行跟踪日志文件（Flume TaildirSource）：按 inode 跟踪文件，兼容重命名与 copytruncate 两种轮转方式；' +
      '每行都带有文件标识与字节偏移，重启后不丢行也不重复。读取位置保存在与 Flume 兼容的位置文件中。',
  },
  inputs: [],
  outputs: [{ name: 'out', kind: 'event' }],
  config,
  fieldHelpZh: {
    filegroups:
      '文件组：名称 → 绝对路径，路径的文件名部分是匹配整个文件名的正则表达式（与 Flume 相同），' +
      '例如 { "f1": "/var/log/nginx/access\\\\.log", "f2": "/var/log/app/.*\\\\.log" }；shell 通配符前加 "glob:"，例如 /var/log/app/glob:*.log。' +
      'copytruncate 轮转时，最好用不匹配轮转副本的模式（access\\.log，而不是 access\\.log.*）。',
    positionFile: '保存读取位置的 Flume 格式 JSON 文件（[{"inode","pos","file"}]）；留空 = 节点数据目录下的 taildir_position.json。',
    batchSize: '每次 put 交给通道的最大行数。',
    skipToEnd: '首次启动时，没有已保存位置的文件从末尾而不是开头开始读。',
    idleTimeout: '文件多少毫秒没有增长后关闭；已被轮转走或删除的文件此时交出最后一行没有换行结尾的内容。',
    writePosInterval: '两次写入位置文件之间的毫秒数。',
    fileHeader: '把文件的绝对路径加为头部。',
    fileHeaderKey: 'fileHeader 使用的头部名称。',
    byteOffsetHeader: '把该行在文件中的字节偏移加为头部 "byteoffset"（Flume）。',
    headers: '每个文件组的静态头部：组 → { header: value }（Flume headers.<group>.<header>）。',
    pollInterval: '两次检查文件（新行、新文件与轮转）之间的毫秒数。',
    maxLineLength: '最长行的字节数；更长的行被截断或进入死信（见 lineTooLong）。',
    lineTooLong: '超长行：截断到 maxLineLength（带头部 truncated=true），或送到死信输出。',
    ...channelSelectorFieldHelpZh,
  },
});
