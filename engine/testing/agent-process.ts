// A collection agent as its own process, for tests that kill -9 it:
//   node --import tsx engine/testing/agent-process.ts DOC.json DATA_DIR
// Needs KAFKA_BROKERS. Prints "ready" once running; SIGTERM stops it gracefully.
import { readFileSync } from 'node:fs';
import { createBus } from '../bus';
import { startStandaloneAgents } from '../agent/standalone';

const [docFile, dataDir] = process.argv.slice(2);
const bus = createBus(process.env);
const agents = await startStandaloneAgents(JSON.parse(readFileSync(docFile, 'utf8')), {
  bus,
  dataDir,
  log: (level, message) => console.log(`${level} ${message}`),
});
console.log('ready');
const stop = async () => {
  await agents.stop();
  await bus.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
