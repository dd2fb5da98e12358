export interface FileChannelOptions {
  /** The node id, for messages. */
  name: string;
  checkpointDir: string;
  dataDirs: string[];
  capacity: number;
  transactionCapacity: number;
  /** A log file rolls over once it would grow past this (bytes). */
  maxFileSize: number;
  /** Puts wait while the data folder's filesystem has less free space than this (bytes). */
  minimumRequiredSpace: number;
  /** ms between checkpoints (when something changed). */
  checkpointInterval: number;
  checkpointOnClose: boolean;
  /** Bound on the bytes of all log files; puts wait above it. */
  maxDiskBytes: number;
  /** fdatasync before a put or take commit is acknowledged (power-loss safety). */
  fsyncPerTransaction: boolean;
  /** Seconds between background fdatasyncs of the log when fsyncPerTransaction is off; 0 = never. */
  fsyncInterval: number;
  /** Bytes of encoded event data kept in memory for takes; beyond it, takes read the log back. */
  cacheBytes: number;
}

export const fileChannelDefaults = {
  capacity: 1_000_000,
  transactionCapacity: 10_000,
  maxFileSize: 64 * 1024 * 1024,
  minimumRequiredSpace: 524_288_000,
  checkpointInterval: 30_000,
  checkpointOnClose: true,
  maxDiskBytes: 2 * 1024 * 1024 * 1024,
  fsyncPerTransaction: false,
  fsyncInterval: 5,
  cacheBytes: 16 * 1024 * 1024,
} satisfies Partial<FileChannelOptions>;
