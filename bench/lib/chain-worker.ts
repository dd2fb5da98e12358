// Worker thread of the `chain` benchmark: runs the chain over its byte range of the log.
import { parentPort, workerData } from 'node:worker_threads';
import { runChain } from './chain-run';

const { file, start, end, batchSize } = workerData as { file: string; start: number; end: number; batchSize: number };
let reported = 0;
const r = await runChain(file, start, end, batchSize, (lines) => {
  if (lines - reported >= 100_000) parentPort!.postMessage({ type: 'progress', lines: lines - reported }), (reported = lines);
});
parentPort!.postMessage({ type: 'progress', lines: r.lines - reported });
parentPort!.postMessage({ type: 'done', result: r });
