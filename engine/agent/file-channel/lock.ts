import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../../spec/errors';

/** Folders locked by channels of this process (a pipeline with two file channels on one folder). */
const heldHere = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Flume's `in_use.lock`: one channel per checkpoint folder. A lock left by a killed process (its
 * pid is gone) is taken over; that is the normal restart after kill -9.
 */
export async function acquireLock(dir: string, channelName: string): Promise<() => Promise<void>> {
  const file = path.resolve(dir, 'in_use.lock');
  const inUse = (owner: string) =>
    new WeirError(
      'channel_dir_in_use',
      `File channel "${channelName}": ${dir} is in use by ${owner}. Give each file channel its own "checkpointDir" and "dataDirs", or stop the other agent.`,
      { retriable: true, details: { lockFile: file } },
    );
  if (heldHere.has(file)) throw inUse('another channel of this process');
  try {
    await writeFile(file, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (pid > 0 && pid !== process.pid && alive(pid)) throw inUse(`process ${pid}`);
    await writeFile(file, String(process.pid));
  }
  heldHere.add(file);
  return async () => {
    heldHere.delete(file);
    await rm(file, { force: true });
  };
}
