// `npm run worker`: one more stream-processor worker. It joins the consumer groups of the deployed
// pipelines (read from the same WEIR_DATA_DIR as the server), so Kafka shares the partitions
// between it and the server. Needs KAFKA_BROKERS and REDIS_URL: the embedded bus is per-process.
import { startWeir } from '../engine/runtime/weir';

if (!process.env.KAFKA_BROKERS || !process.env.REDIS_URL) {
  console.error('[weir worker] set KAFKA_BROKERS and REDIS_URL (see `npm run infra:up`): workers share work through Kafka and Redis.');
  process.exit(2);
}
const weir = await startWeir({ role: 'worker', bootstrap: false });
console.log('[weir worker] running; Ctrl-C to stop');
const stop = async () => {
  await weir.runtime.close();
  await Promise.all([weir.bus.close(), weir.store.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
