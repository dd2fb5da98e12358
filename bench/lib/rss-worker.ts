// Child process of the `worker-rss` benchmark: one stream-processor worker (the site-analytics job
// through a Runtime on real Kafka and Redis) that exits once its checkpoints cover the topic.
// Prints its own memory figures as JSON on stdout at the end.
import { runProcessor } from '../kafka-redis';

const { KAFKA_BROKERS, REDIS_URL, BENCH_TOPIC, BENCH_EVENTS, BENCH_PIPELINE } = process.env;
let peakHeap = 0;
let peakExternal = 0;
const timeline: number[][] = [];
const sample = setInterval(() => {
  const m = process.memoryUsage();
  if (process.env.BENCH_TIMELINE) timeline.push([m.rss, m.heapTotal, m.heapUsed, m.external].map((x) => Math.round(x / 2 ** 20)));
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external);
}, 250);
const r = await runProcessor({ KAFKA_BROKERS: KAFKA_BROKERS!, REDIS_URL: REDIS_URL! }, BENCH_TOPIC!, Number(BENCH_EVENTS), { uniques: true, pipelineId: BENCH_PIPELINE! });
clearInterval(sample);
await r.store.close();
const m = process.memoryUsage();
const mb = (n: number) => Math.round(n / 2 ** 20);
process.stdout.write(JSON.stringify({ seconds: r.seconds, peakHeapMB: mb(peakHeap), peakExternalMB: mb(peakExternal), end: { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal), externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers) } }) + '\n');
if (process.env.BENCH_TIMELINE) process.stderr.write(timeline.map((t) => t.join(' ')).join('\n') + '\n');
process.exit(0);
