import type { FileChannelOptions } from './file-channel';

/** Small files, frequent checkpoints and a tiny memory cache: kills land in every code path. */
export const crashOptions: Partial<FileChannelOptions> = {
  capacity: 3000,
  maxFileSize: 16 * 1024,
  checkpointInterval: 50,
  cacheBytes: 8 * 1024,
};
