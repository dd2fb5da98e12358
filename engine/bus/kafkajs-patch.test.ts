/**
 * patches/kafkajs+2.2.4.patch (applied by `npm install`'s postinstall): the produce path encodes a
 * partition's record batch in one pass, and groups messages per partition in linear time. These
 * tests hold the patched code to kafkajs' own encoder byte for byte; the rest of the suite (every
 * produce on the real broker, the agent's exactly-once tests) runs on the patched path.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const kafkajsFile = (p: string) => require.resolve(`kafkajs/src/${p}`);

type Message = { key?: string | Buffer | null; value: string | Buffer | null; headers?: Record<string, string | Buffer | (string | Buffer)[]>; timestamp?: number | string };
interface BatchArgs {
  compression: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
}

const patched = existsSync(kafkajsFile('protocol/recordBatch/v0/encodeBatch.js'));
const NOT_PATCHED = 'node_modules/kafkajs is not patched: run `npx patch-package` (npm install runs it as postinstall).';

const Long = require(kafkajsFile('utils/long.js')) as { fromValue(v: number | string): unknown };
const { Types: Compression } = require(kafkajsFile('protocol/message/compression/index.js')) as { Types: { None: number; GZIP: number } };
const Record = require(kafkajsFile('protocol/recordBatch/record/v0/index.js')) as (r: object) => unknown;
const { RecordBatch } = require(kafkajsFile('protocol/recordBatch/v0/index.js')) as { RecordBatch(a: object): Promise<{ buffer: Buffer }> };
const decodeBatch = require(kafkajsFile('protocol/recordBatch/v0/decoder.js')) as (d: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }[] }>;
const Decoder = require(kafkajsFile('protocol/decoder.js')) as new (b: Buffer) => unknown;
const groupMessagesPerPartition = require(kafkajsFile('producer/groupMessagesPerPartition.js')) as (a: object) => Record<string, Message[]>;
const encodeRecordBatch = patched
  ? (require(kafkajsFile('protocol/recordBatch/v0/encodeBatch.js')) as { encodeRecordBatch(a: object): Promise<{ buffer: Buffer }> }).encodeRecordBatch
  : null;

/** What kafkajs 2.2.4 itself does in produce/v3/request.js, unpatched. */
async function original(messages: Message[], args: BatchArgs, dateNow: number): Promise<Buffer> {
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: (Number(m.timestamp) || dateNow) - args.firstTimestamp }));
  return (await RecordBatch({ ...args, records, lastOffsetDelta: records.length - 1 })).buffer;
}

/** A deterministic pseudo-random source, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function randomMessages(seed: number, n: number): Message[] {
  const r = rng(seed);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const text = () => pick(['', 'a', 'GET /news/1 HTTP/1.1', '北京 → 上海 ✓', 'x'.repeat(Math.floor(r() * 300)), '😀'.repeat(3), 'é'.repeat(70)]);
  const bytes = () => (r() < 0.5 ? Buffer.from(text()) : Buffer.from([0, 255, 128, 1, 2, 3].slice(0, Math.floor(r() * 6))));
  return Array.from({ length: n }, () => {
    const m: Message = { value: r() < 0.05 ? null : r() < 0.3 ? bytes() : text() };
    const k = r();
    if (k < 0.3) m.key = text();
    else if (k < 0.4) m.key = bytes();
    else if (k < 0.5) m.key = null;
    if (r() < 0.4) {
      m.headers = {};
      for (let h = Math.floor(r() * 4); h > 0; h--) m.headers[pick(['file', 'host', 'ts', '来源'])] = r() < 0.2 ? [text(), bytes()] : r() < 0.5 ? bytes() : text();
    }
    if (r() < 0.3) m.timestamp = pick([1_700_000_000_000, 1_700_000_000_000 + Math.floor(r() * 1e6), 1_000, 1_700_000_000_000 + 2 ** 33, '1700000000123']);
    return m;
  });
}

describe('kafkajs patch: record batch encoding', () => {
  it('is applied', () => {
    expect(patched, NOT_PATCHED).toBe(true);
  });

  it.runIf(patched)('encodes exactly the bytes kafkajs 2.2.4 encodes, uncompressed and gzip', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const messages = randomMessages(seed, 1 + (seed % 7) * 37);
      const dateNow = 1_700_000_500_000;
      const stamps = messages.map((m) => m.timestamp).filter((t) => t != null);
      const firstTimestamp = stamps.length ? Number(stamps.sort()[0]) : dateNow;
      const args: BatchArgs = {
        compression: seed % 3 === 0 ? Compression.GZIP : Compression.None,
        firstTimestamp,
        maxTimestamp: firstTimestamp + 5,
        producerId: Long.fromValue(seed % 2 ? 4711 : -1),
        producerEpoch: seed % 5,
        firstSequence: seed * 1000,
        transactional: seed % 2 === 1,
      };
      const ours = (await encodeRecordBatch!({ ...args, messages, dateNow })).buffer;
      expect(ours.equals(await original(messages, args, dateNow)), `seed ${seed}`).toBe(true);
    }
  });

  it.runIf(patched)('decodes back to the messages with kafkajs’ own decoder', async () => {
    const messages = randomMessages(99, 500);
    const batch = (await encodeRecordBatch!({ compression: Compression.None, messages, dateNow: Date.now(), firstTimestamp: Date.now(), maxTimestamp: Date.now(), producerId: Long.fromValue(-1), producerEpoch: 0, firstSequence: 0, transactional: false })).buffer;
    const decoded = await decodeBatch(new Decoder(batch));
    expect(decoded.records).toHaveLength(messages.length);
    const asBuffer = (v: string | Buffer | null | undefined) => (v == null ? null : Buffer.from(v));
    decoded.records.forEach((rec, i) => {
      expect(rec.value, `record ${i}`).toEqual(asBuffer(messages[i].value));
      expect(rec.key, `record ${i}`).toEqual(asBuffer(messages[i].key));
    });
  });
});

describe('kafkajs patch: grouping messages per partition', () => {
  const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0 }));
  const partitioner = ({ message }: { message: { partition: number } }) => message.partition;

  it('keeps each partition’s messages in order and loses none', () => {
    const messages = Array.from({ length: 60_000 }, (_, i) => ({ value: String(i), partition: (i * 7) % 3 }));
    const groups = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    expect(Object.keys(groups).sort()).toEqual(['0', '1', '2']);
    for (const p of [0, 1, 2]) expect(groups[p]).toEqual(messages.filter((m) => m.partition === p));
  });

  it('gives nothing when the topic has no partitions yet', () => {
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ value: 'a', partition: 0 }], partitioner })).toEqual({});
  });
});
