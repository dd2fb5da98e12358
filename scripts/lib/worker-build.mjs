// How stream-processor worker processes run: compiled to one JavaScript file (esbuild, which the
// project already has through tsx) and started with plain `node` and workerNodeFlags(), instead of
// compiling TypeScript on the fly with tsx. Used by `npm run worker` (scripts/run-worker.mjs) and by
// the benchmarks that measure a worker (bench/worker-rss.ts, bench/kafka-redis.ts), so they measure
// what runs. Measured on bench worker-rss (1M distinct IPs): tsx costs ~30 MB of RSS and some CPU
// (its loader thread and on-the-fly compiling); the old-space cap below keeps the peak ~250 MB where
// V8 would otherwise let garbage grow the heap to ~180 MB before collecting it.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Node flags of a worker. The old-space cap (MB) is WEIR_WORKER_MAX_OLD_SPACE_MB, default 192: one
 * job's live data is a few tens of MB (a batch in flight, bounded GeoIP and user-agent caches); raise
 * it for a worker that runs many pipelines at once.
 */
export function workerNodeFlags(env = process.env) {
  const mb = Number(env.WEIR_WORKER_MAX_OLD_SPACE_MB ?? 192);
  return Number.isInteger(mb) && mb > 0 ? [`--max-old-space-size=${mb}`] : [];
}

/**
 * Compiles `entry` (a .ts file, path relative to the repository root) into `outfile` and returns
 * the command that runs it: `node <flags> <outfile>`. Without esbuild it returns `node <flags>
 * --import tsx <entry>` instead, which runs the same code, only heavier.
 */
export async function workerCommand(entry, outfile, env = process.env) {
  const flags = workerNodeFlags(env);
  const source = path.resolve(ROOT, entry);
  try {
    const esbuild = await import('esbuild');
    mkdirSync(path.dirname(outfile), { recursive: true });
    await esbuild.build({
      entryPoints: [source],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Dependencies stay in node_modules, loaded as usual (native parts, data files).
      packages: 'external',
      // Not minified, so stack traces stay readable without source maps (which cost memory).
      logLevel: 'warning',
    });
    statSync(outfile);
    return { command: process.execPath, args: [...flags, outfile], compiled: true };
  } catch (e) {
    console.error(`[weir] running ${entry} with tsx: could not compile it (${e instanceof Error ? e.message : e})`);
    return { command: process.execPath, args: [...flags, '--import', 'tsx', source], compiled: false };
  }
}
