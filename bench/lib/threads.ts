import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running a TypeScript module (the tsx loader of the main thread does not
 * reach a worker's entry file on Node 20, so the worker registers it first).
 */
export function tsWorker(file: URL, workerData: unknown): Worker {
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
