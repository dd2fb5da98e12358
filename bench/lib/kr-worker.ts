// Child process of the `kafka-redis` benchmark: one stream-processor worker (the site-analytics job
// through a Runtime on real Kafka and Redis, as `npm run worker` runs it) that exits once the
// stored checkpoints (of every worker of the run) cover the topic. Prints its CPU seconds as JSON.
// The parent cleans the pipeline's keys before and checks the counts after.
import { runProcessor } from '../kafka-redis';

const { KAFKA_BROKERS, REDIS_URL, BENCH_TOPIC, BENCH_EVENTS, BENCH_PIPELINE } = process.env;
const r = await runProcessor({ KAFKA_BROKERS: KAFKA_BROKERS!, REDIS_URL: REDIS_URL! }, BENCH_TOPIC!, Number(BENCH_EVENTS), { uniques: true, pipelineId: BENCH_PIPELINE!, keep: true });
await r.store.close();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ seconds: r.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) }) + '\n');
process.exit(0);
