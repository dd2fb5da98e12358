import path from 'node:path';
import { CollectRegistry } from '../agent/collect-registry';
import { createBus } from '../bus';
import type { Bus } from '../bus/types';
import { ProcessorServices } from '../processor/services';
import { siteAnalyticsTemplate } from '../spec/templates';
import { createStore } from '../store';
import type { Store } from '../store/types';
import { PipelineRepo } from './pipeline-repo';
import { Runtime } from './runtime';

export interface Weir {
  bus: Bus;
  store: Store;
  repo: PipelineRepo;
  runtime: Runtime;
  /** Running HTTP sources, reached by POST /api/collect/{sourceId}. */
  collect: CollectRegistry;
}

export interface WeirOptions {
  env?: Record<string, string | undefined>;
  role?: 'all' | 'worker';
  /** Create and deploy the demo pipeline when none exists (the newcomer's first start). */
  bootstrap?: boolean;
}

export async function startWeir(opts: WeirOptions = {}): Promise<Weir> {
  const env = opts.env ?? process.env;
  const bus = createBus(env);
  const store = createStore(env);
  const repo = new PipelineRepo(path.resolve(env.WEIR_DATA_DIR || '.weir-data'));
  const collect = new CollectRegistry();
  const runtime = new Runtime({ bus, store, repo, services: new ProcessorServices(store), role: opts.role, collect, dataDir: path.resolve(env.WEIR_DATA_DIR || '.weir-data') });
  const weir = { bus, store, repo, runtime, collect };
  if (opts.bootstrap ?? env.WEIR_BOOTSTRAP !== '0') {
    if ((await repo.list()).length === 0) {
      const doc = await repo.create(siteAnalyticsTemplate());
      console.log(`[weir] first start: created the "${doc.name}" demo pipeline; deploying it`);
      await repo.setDeployed(doc.id, true, doc.version);
    }
  }
  await runtime.restore();
  return weir;
}

const KEY = Symbol.for('weir.instance');
type Holder = { [KEY]?: Promise<Weir> };

/** The process-wide engine of the web server (one per process, survives Next's module reloads). */
export function getWeir(): Promise<Weir> {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    g[KEY] = startWeir().catch((e) => {
      delete g[KEY];
      throw e;
    });
  }
  return g[KEY]!;
}
