import type { Channel, Sink } from '../../agent/types';
import type { BusProducer } from '../../bus/types';
import type { NodeCounters } from '../../runtime/metrics';
import type { NodeRef } from '../../spec/plan';

/**
 * Takes batches from the channel and sends them to the topic; a failed send rolls the take
 * back into the channel and retries with back-off, so a broker outage loses nothing.
 */
export function createKafkaSink(
  node: NodeRef,
  topic: string,
  producer: BusProducer,
  counters: NodeCounters,
  onError: (e: unknown) => void,
): Sink {
  const batchSize = Number(node.config.flumeBatchSize ?? 500);
  let running = false;
  let loop: Promise<void> | undefined;
  return {
    start(channel: Channel) {
      running = true;
      loop = (async () => {
        let backoff = 100;
        while (running) {
          const take = await channel.take(batchSize, 100);
          if (take.events.length === 0) {
            take.commit();
            continue;
          }
          counters.in += take.events.length;
          try {
            await producer.send(
              topic,
              take.events.map((e) => ({ key: e.headers.key ?? null, value: e.body, headers: e.headers.eventId ? { eventId: e.headers.eventId } : undefined })),
            );
            take.commit();
            counters.out += take.events.length;
            backoff = 100;
          } catch (e) {
            take.rollback();
            counters.in -= take.events.length;
            counters.errors++;
            onError(e);
            await new Promise((r) => setTimeout(r, backoff));
            backoff = Math.min(backoff * 2, 5_000);
          }
        }
      })();
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
