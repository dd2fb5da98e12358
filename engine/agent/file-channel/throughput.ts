/**
 * Rough put + take + commit rate of the file channel, for 200-byte events:
 *   node --import tsx engine/agent/file-channel/throughput.ts [events] [batch] [fsyncPerTransaction]
 * One producer and one consumer, as taildir → channel → Kafka sink. Not a test: numbers vary by disk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlumeEvent } from '../types';
import { FileChannel } from './file-channel';

const total = Number(process.argv[2] ?? 500_000);
const batch = Number(process.argv[3] ?? 1000);
const fsyncPerTransaction = process.argv[4] === 'true';
const dir = await mkdtemp(path.join(os.tmpdir(), 'weir-fc-bench-'));
const ch = new FileChannel(
  { name: 'bench', checkpointDir: path.join(dir, 'cp'), dataDirs: [path.join(dir, 'data')], capacity: 100_000, transactionCapacity: batch, minimumRequiredSpace: 0, fsyncPerTransaction },
  { counters: {}, log: (level, message) => console.error(level, message) },
);
await ch.open();
const body = '203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] "GET /products/item?id=12345 HTTP/1.1" 200 2326 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120"'.padEnd(200, ' ');
const started = process.hrtime.bigint();
const producer = (async () => {
  for (let n = 0; n < total; n += batch) {
    const events: FlumeEvent[] = [];
    for (let i = n; i < n + batch; i++) events.push({ headers: {}, body, origin: { key: 'r1|1:2', offset: (i + 1) * 200 } });
    await ch.put(events);
  }
})();
let taken = 0;
while (taken < total) {
  const t = await ch.take(batch, 100);
  taken += t.events.length;
  await t.commit();
}
await producer;
const s = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`file channel: ${total} events of 200 B, batch ${batch}, fsyncPerTransaction ${fsyncPerTransaction}: ${Math.round(total / s)} events/s (${((total * 200) / s / 1e6).toFixed(1)} MB/s of bodies)`);
await ch.close();
await rm(dir, { recursive: true, force: true });
