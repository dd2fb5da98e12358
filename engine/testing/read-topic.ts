import { Kafka, logLevel } from 'kafkajs';

/**
 * Reads a whole topic as a read_committed consumer would (aborted transactions hidden): waits
 * until at least `atLeast` records arrived, then keeps reading `settleMs` longer so duplicates
 * that are still on their way show up too. Rejects after `timeoutMs` with how many it got.
 */
export async function readTopic(
  brokers: string,
  topic: string,
  opts: { atLeast: number; timeoutMs?: number; settleMs?: number },
): Promise<{ value: string; headers: Record<string, string> }[]> {
  const kafka = new Kafka({ clientId: 'weir-test-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `weir-test-reader-${process.pid}-${Date.now()}-${Math.random()}` });
  const got: { value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          got.push({ value: m.value?.toString('utf8') ?? '', headers });
        }
      },
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    while (got.length < opts.atLeast) {
      if (Date.now() > deadline) throw new Error(`topic "${topic}" has ${got.length} of ${opts.atLeast} expected records after ${opts.timeoutMs ?? 120_000} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 2_000));
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/** Lines that are missing from or repeated in `got`, compared to `expected` (by content). */
export function exactlyOnceDiff(expected: Iterable<string>, got: Iterable<string>): { missing: string[]; duplicated: string[]; unexpected: string[] } {
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const g of got) seen.set(g, (seen.get(g) ?? 0) + 1);
  return {
    missing: [...want].filter((w) => !seen.has(w)),
    duplicated: [...seen].filter(([, n]) => n > 1).map(([v]) => v),
    unexpected: [...seen.keys()].filter((v) => !want.has(v)),
  };
}
