import { z } from 'zod';
import { compileUserRegex } from '../../processor/expression/regex';
import { channelSelectorFieldHelpZh, channelSelectorFields } from '../../spec/channel-selector';
import { defineNode } from '../../spec/node-spec';
import { charsetField } from '../source.exec/spec';

export const DEFAULT_MAX_LINE_LENGTH = 2048;

const namePattern = (fallback: string, what: string) =>
  z
    .string()
    .max(1000)
    .default(fallback)
    .superRefine((p, ctx) => {
      const r = compileUserRegex(p);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: `"${p}" ${r.message}` });
    })
    .describe(`${what} (a regular expression on the whole file name, JavaScript syntax).`);

/** The zh-CN help of a namePattern field, same shape as its English `.describe()`. */
const namePatternZh = (what: string) => `${what}（对整个文件名匹配的正则表达式，JavaScript 语法）。`;

const maxLineLength = z.number().int().min(1).max(1_000_000).optional();

const config = z
  .object({
    spoolDir: z.string().trim().min(1, 'give the folder the completed log files are moved into').max(4096).describe('Folder to ingest completed files from.'),
    fileSuffix: z.string().min(1).max(100).default('.COMPLETED').describe('Appended to a file name once the file is fully ingested (deletePolicy never).'),
    deletePolicy: z.enum(['never', 'immediate']).default('never').describe('never: rename a completed file with fileSuffix; immediate: delete it.'),
    fileHeader: z.boolean().default(false).describe("Add the file's absolute path as a header."),
    fileHeaderKey: z.string().min(1).max(200).default('file').describe('Header for the absolute path.'),
    basenameHeader: z.boolean().default(false).describe("Add the file's name as a header."),
    basenameHeaderKey: z.string().min(1).max(200).default('basename').describe('Header for the file name.'),
    includePattern: namePattern('^.*$', 'Only files whose name matches are ingested'),
    ignorePattern: namePattern('^$', 'Files whose name matches are not ingested'),
    trackerDir: z.string().min(1).max(4096).default('.flumespool').describe('Folder for the progress file; a relative path is inside spoolDir.'),
    consumeOrder: z.enum(['oldest', 'youngest', 'random']).default('oldest').describe('Which file goes first, by modification time (equal times by name).'),
    batchSize: z.number().int().min(1).max(100_000).default(100).describe('Events handed to the channel per put.'),
    inputCharset: charsetField('UTF-8')
      .refine(
        (label) => {
          try {
            return !new TextDecoder(label).encoding.startsWith('utf-16');
          } catch {
            return true; // unknown: reported by charsetField
          }
        },
        { message: 'UTF-16 is not supported: lines are split on the newline byte; use an ASCII-compatible charset' },
      )
      .describe('Charset of the files (ASCII-compatible: UTF-8, GBK, GB18030, ISO-8859-1...).'),
    pollDelay: z.number().int().min(10).max(600_000).default(500).describe('Milliseconds between looks at an empty folder.'),
    deserializer: z.enum(['LINE']).default('LINE').describe('How a file becomes events: one event per line (Flume LINE deserializer).'),
    'deserializer.maxLineLength': maxLineLength.describe(
      `Characters kept of a line (default ${DEFAULT_MAX_LINE_LENGTH}); a longer line is cut and gets header truncated=true. Flume's name.`,
    ),
    maxLineLength: maxLineLength.describe('Same as deserializer.maxLineLength (either may be used).'),
    ...channelSelectorFields,
  })
  .superRefine((c, ctx) => {
    const a = c['deserializer.maxLineLength'];
    const b = c.maxLineLength;
    if (a !== undefined && b !== undefined && a !== b) {
      ctx.addIssue({ code: 'custom', path: ['maxLineLength'], message: `differs from deserializer.maxLineLength (${b} vs ${a}); give one of them` });
    }
  });

export type SpooldirConfig = z.output<typeof config>;

export const maxLineLengthOf = (c: SpooldirConfig): number => c['deserializer.maxLineLength'] ?? c.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;

export const spooldirSourceSpec = defineNode({
  type: 'source.spooldir',
  category: 'source',
  title: { en: 'Spooling directory source', zh: '目录监控源' },
  description: {
    en:
      'Ingests completed log files moved into a folder, one file at a time, one event per line (Flume SpoolDirectorySource). ' +
      'Once all of a file is delivered (or held by a durable channel) it is renamed with fileSuffix or deleted. Progress is kept per file (device:inode and byte position), ' +
      'so a restart resumes exactly where delivery stopped: no loss, no duplicate. Files must not change once moved in: a file that does is read as it was when picked up, ' +
      'logged as an error and renamed with .CHANGED instead of completed. Empty lines are skipped; bytes invalid in the charset become U+FFFD.',
    zh:
      '逐个读取移入某个目录的已完成日志文件，每行一个事件（Flume SpoolDirectorySource）。' +
      '文件全部送达（或已进入持久化通道）后，按 fileSuffix 重命名或删除。进度按文件（设备号:inode 与字节位置）保存，' +
      '重启后从送达停止处准确继续：不丢、不重。文件移入后不得再修改：被修改的文件只按被拾取时的内容读取，记录错误，并改名加 .CHANGED 后缀而不是标记完成。' +
      '空行被跳过；字符集中无效的字节变为 U+FFFD。',
  },
  inputs: [],
  outputs: [{ name: 'out', kind: 'event' }],
  config,
  fieldHelpZh: {
    spoolDir: '读取已完成文件的目录。',
    fileSuffix: '文件全部读取后追加到文件名上的后缀（deletePolicy 为 never 时）。',
    deletePolicy: 'never：已完成的文件加上 fileSuffix 重命名；immediate：删除它。',
    fileHeader: '把文件的绝对路径加为头部。',
    fileHeaderKey: '存放绝对路径的头部。',
    basenameHeader: '把文件名加为头部。',
    basenameHeaderKey: '存放文件名的头部。',
    includePattern: namePatternZh('只读取文件名匹配的文件'),
    ignorePattern: namePatternZh('不读取文件名匹配的文件'),
    trackerDir: '进度文件所在的目录；相对路径位于 spoolDir 内。',
    consumeOrder: '先读取哪个文件，按修改时间排序（时间相同时按文件名）。',
    batchSize: '每次 put 交给通道的事件数。',
    inputCharset: '文件的字符集（须兼容 ASCII：UTF-8、GBK、GB18030、ISO-8859-1……）。',
    pollDelay: '目录为空时两次查看之间的毫秒数。',
    deserializer: '文件如何变成事件：每行一个事件（Flume LINE 反序列化器）。',
    'deserializer.maxLineLength': `每行保留的字符数（默认 ${DEFAULT_MAX_LINE_LENGTH}）；更长的行被截断并带上头部 truncated=true。这是 Flume 的名称。`,
    maxLineLength: '与 deserializer.maxLineLength 相同（两者任用其一）。',
    ...channelSelectorFieldHelpZh,
  },
});
