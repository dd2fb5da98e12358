import { dailyRhythm, demoTraffic } from '../../agent/demo-traffic';
import type { AgentEnv, FlumeEvent, Source } from '../../agent/types';
import type { NodeRef } from '../../spec/plan';

/**
 * Paces demo traffic at `rate` events/s (shaped by the daily rhythm), in batches of `batchSize`.
 * The run is one origin stream (`<node>|<seed>`, offset = sequence number + 1), so a restart
 * resumes after the last event the sink committed, and `total` means exactly that many events.
 */
export function createGenerator(node: NodeRef, env: AgentEnv): Source {
  const c = node.config as { rate: number; total: number; seed: number; modules: string[]; botShare: number; batchSize: number; dailyRhythm: boolean };
  const counters = env.counters;
  let running = false;
  let loop: Promise<void> | undefined;
  const abort = new AbortController();
  return {
    start(ctx) {
      running = true;
      const key = `${node.id}|${c.seed}`;
      const traffic = demoTraffic({ seed: c.seed, modules: c.modules, botShare: c.botShare });
      let seq = ctx.resumePositions.get(key) ?? 0;
      // Same seed, same sequence: skip what was already delivered (about 1 s per million).
      for (let i = 0; i < Math.min(seq, 5_000_000); i++) traffic.next(Date.now());
      loop = (async () => {
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
            events.push({ headers: { eventId: `${node.id}:${c.seed}:${seq}`, timestamp: String(now) }, body: traffic.next(now), origin: { key, offset: seq + 1 } });
          }
          due -= n;
          counters.EventReceivedCount = (counters.EventReceivedCount ?? 0) + n;
          counters.AppendBatchReceivedCount = (counters.AppendBatchReceivedCount ?? 0) + 1;
          try {
            await ctx.put(events);
            counters.EventAcceptedCount = (counters.EventAcceptedCount ?? 0) + n;
            counters.AppendBatchAcceptedCount = (counters.AppendBatchAcceptedCount ?? 0) + 1;
          } catch (e) {
            if (running) env.log('error', `could not hand events to the channel: ${(e as Error).message}`);
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
