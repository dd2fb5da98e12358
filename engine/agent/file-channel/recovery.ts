import { readFile, truncate } from 'node:fs/promises';
import type { AgentEnv } from '../types';
import { readCheckpoint } from './checkpoint';
import { FILE_HEADER, findNextFrame, readFrame, validFileHeader } from './frame';
import { type LogFile, listLogFiles, logFileName } from './log-files';
import type { FileChannelOptions } from './options';
import type { ChannelQueue } from './queue';
import { PUT, decodeRecord } from './records';

type Env = Pick<AgentEnv, 'counters' | 'log'>;

/** What replaying the log works on. */
interface Replay {
  name: string;
  env: Env;
  queue: ChannelQueue;
}

/**
 * Rebuilds the channel at open(): loads the checkpoint, replays the log from its position (puts add
 * batches, takes remove ranges) into `queue`, puts the log files found in `files`, and queues the
 * live events in channel order. Returns the id for the next log file.
 */
export async function recover(o: Pick<FileChannelOptions, 'name' | 'checkpointDir' | 'dataDirs'>, env: Env, queue: ChannelQueue, files: Map<number, LogFile>): Promise<number> {
  const found = await listLogFiles(o.dataDirs);
  for (const f of found) files.set(f.id, f);
  const read = await readCheckpoint(o.checkpointDir);
  let startFile = 0;
  let startOffset = 0;
  let nextFileId = 1;
  if (read.kind === 'ok') {
    const cp = read.checkpoint;
    for (const b of cp.batches) {
      const liveCount = countLive(b.live);
      if (liveCount > 0) queue.batches.set(b.seq0, { ...b, liveCount, queued: 0, bytes: b.frameLength });
    }
    queue.nextSeq = cp.nextSeq;
    queue.positions = cp.positions;
    startFile = cp.logFileId;
    startOffset = cp.logOffset;
    nextFileId = cp.logFileId + 1;
  } else if (read.kind === 'corrupt') {
    env.log('warn', `File channel "${o.name}": the checkpoint in ${o.checkpointDir} is unusable (${read.reason}); replaying all ${found.length} log files instead. Events whose take records were in deleted log files may be delivered again (downstream deduplication by origin offset drops them).`, {
      code: 'channel_checkpoint_corrupt',
    });
  } else if (found.length) {
    env.log('info', `File channel "${o.name}": no checkpoint yet; replaying ${found.length} log files.`);
  }
  const replay: Replay = { name: o.name, env, queue };
  // Only the file being written when the process died can end in a torn record; files started
  // after it (a roll or an open that was killed) hold no record.
  const lastWithData = found.reduce((m, f) => (f.size > FILE_HEADER ? f.id : m), 0);
  for (const f of found) {
    nextFileId = Math.max(nextFileId, f.id + 1);
    if (f.id < startFile) continue;
    await replayFile(replay, f, f.id === startFile ? startOffset : 0, f.id >= lastWithData);
  }
  for (const f of files.values()) f.live = 0;
  for (const b of queue.batches.values()) {
    const file = files.get(b.fileId);
    if (file) {
      file.live++;
      continue;
    }
    queue.batches.delete(b.seq0);
    env.counters.UnreadableEventCount += b.liveCount;
    env.log('error', `File channel "${o.name}": log file ${logFileName(b.fileId)} holding ${b.liveCount} events is missing; they are lost. Do not delete files in "dataDirs" by hand.`, {
      code: 'channel_log_missing',
    });
  }
  const ordered = [...queue.batches.values()].sort((a, b) => a.seq0 - b.seq0);
  for (const b of ordered) queue.enqueue(b);
  return nextFileId;
}

async function replayFile(replay: Replay, file: LogFile, from: number, isLast: boolean) {
  let buf: Buffer;
  try {
    buf = await readFile(file.path);
  } catch (e) {
    replay.env.log('error', `File channel "${replay.name}" cannot read ${file.path} (${(e as Error).message}); its events cannot be delivered. Check the disk.`, { code: 'channel_log_corrupt', file: file.path, offset: 0 });
    return;
  }
  let at = Math.max(from, FILE_HEADER);
  if (at === FILE_HEADER && !validFileHeader(buf, file.id)) {
    const next = findNextFrame(buf, 0);
    if (next < 0 && isLast) {
      // Killed while starting this file.
      file.size = buf.length;
      return;
    }
    replay.env.log('error', `File channel "${replay.name}": ${file.path} has a damaged header; reading the records found after it.`, { code: 'channel_log_corrupt', file: file.path, offset: 0 });
    if (next < 0) return;
    at = next;
  }
  while (at < buf.length) {
    const fr = readFrame(buf, at);
    if (fr.ok) {
      replayRecord(replay, fr.payload, file, at, fr.next - at);
      at = fr.next;
      continue;
    }
    const next = findNextFrame(buf, at + 1);
    if (next < 0 && isLast) {
      replay.env.log('warn', `File channel "${replay.name}": ignoring a partial record at the end of ${file.path} (offset ${at}, ${buf.length - at} bytes), cut short when the process was killed; it was never acknowledged.`, {
        code: 'channel_torn_tail',
        file: file.path,
        offset: at,
      });
      await truncate(file.path, at);
      file.size = at;
      return;
    }
    const skipped = (next < 0 ? buf.length : next) - at;
    replay.env.counters.CorruptRecordCount++;
    replay.env.counters.CorruptBytesSkipped += skipped;
    replay.env.log('error', `File channel "${replay.name}": corrupt record in ${file.path} at offset ${at} (${fr.reason}); skipped ${skipped} bytes${next < 0 ? ' to the end of the file' : ' to the next valid record'}. The events in it are lost; check the disk.`, {
      code: 'channel_log_corrupt',
      file: file.path,
      offset: at,
      skippedBytes: skipped,
    });
    if (next < 0) return;
    at = next;
  }
}

function replayRecord(replay: Replay, payload: Buffer, file: LogFile, offset: number, frameLength: number) {
  try {
    const rec = decodeRecord(payload);
    if (rec.type === PUT) {
      if (replay.queue.batches.has(rec.seq0)) return;
      replay.queue.addBatch(rec.seq0, rec.count, file, offset, frameLength, rec.events());
    } else {
      for (const r of rec.runs) {
        // Sequence numbers never go back, even when a full replay lacks the files of their puts.
        replay.queue.nextSeq = Math.max(replay.queue.nextSeq, r.seq0 + r.to);
        const b = replay.queue.batches.get(r.seq0);
        if (b) replay.queue.removeLive(b, r.from, r.to);
      }
    }
  } catch (e) {
    replay.env.counters.CorruptRecordCount++;
    replay.env.log('error', `File channel "${replay.name}": unreadable record in ${file.path} at offset ${offset} (${(e as Error).message}); skipped.`, { code: 'channel_log_corrupt', file: file.path, offset });
  }
}

const countLive = (live: number[]) => {
  let n = 0;
  for (let i = 0; i < live.length; i += 2) n += live[i + 1] - live[i];
  return n;
};
