import { dailyRhythm, demoTraffic } from '../../agent/demo-traffic';
import type { FlumeEvent, Source } from '../../agent/types';
import type { NodeRef } from '../../spec/plan';

/**
 * Paces demo traffic at `rate` events/s (shaped by the daily rhythm), in batches of `batchSize`.
 * Each event carries an id from its origin (generator node + sequence number).
 */
export function createGenerator(node: NodeRef, onError: (e: unknown) => void): Source {
  const c = node.config as { rate: number; total: number; seed: number; modules: string[]; botShare: number; batchSize: number; dailyRhythm: boolean };
  let running = false;
  let loop: Promise<void> | undefined;
  const abort = new AbortController();
  return {
    start(put) {
      running = true;
      const traffic = demoTraffic({ seed: c.seed, modules: c.modules, botShare: c.botShare });
      loop = (async () => {
        let seq = 0;
        const started = Date.now();
        let due = 0; // events owed by now, fractional
        let last = started;
        while (running && (c.total === 0 || seq < c.total)) {
          const now = Date.now();
          due += ((now - last) / 1000) * c.rate * (c.dailyRhythm ? dailyRhythm(now) : 1);
          last = now;
          // A slow channel must not build up an unbounded burst: owe at most ~2 s of traffic.
          due = Math.min(due, c.rate * 2 + c.batchSize);
          const n = Math.min(Math.floor(due), c.batchSize, c.total === 0 ? Infinity : c.total - seq);
          if (n <= 0) {
            await sleep(Math.max(5, Math.min(200, (1000 / c.rate) * (1 - due))), abort.signal);
            continue;
          }
          const events: FlumeEvent[] = [];
          for (let i = 0; i < n; i++, seq++) {
            events.push({ headers: { eventId: `${node.id}:${c.seed}:${seq}`, timestamp: String(now) }, body: traffic.next(now) });
          }
          due -= n;
          try {
            await put(events);
          } catch (e) {
            if (running) onError(e);
            return;
          }
        }
      })();
    },
    async stop() {
      running = false;
      abort.abort();
      await loop;
    },
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
