import path from 'node:path';
import { FileChannel } from '../../agent/file-channel/file-channel';
import type { ChannelFactory } from '../../agent/types';
import { fileChannelSpec } from './spec';

/** Folders are taken relative to the node's data folder (env.dataDir), which is per agent and node. */
export const createFileChannel: ChannelFactory = (node, env) => {
  const c = fileChannelSpec.config.parse(node.config ?? {});
  const inData = (p: string) => path.resolve(env.dataDir, p);
  const dataDirs = c.dataDirs
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map(inData);
  return new FileChannel(
    {
      name: node.id,
      checkpointDir: inData(c.checkpointDir.trim() || 'checkpoint'),
      dataDirs: dataDirs.length ? [...new Set(dataDirs)] : [inData('data')],
      capacity: c.capacity,
      transactionCapacity: c.transactionCapacity,
      maxFileSize: c.maxFileSize,
      minimumRequiredSpace: c.minimumRequiredSpace,
      checkpointInterval: c.checkpointInterval,
      checkpointOnClose: c.checkpointOnClose,
      maxDiskBytes: c.maxDiskBytes,
      fsyncPerTransaction: c.fsyncPerTransaction,
      fsyncInterval: c.fsyncInterval,
    },
    env,
  );
};
