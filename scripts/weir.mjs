#!/usr/bin/env node
// `npx weir validate|deploy|stop|replay|status FILE_OR_ID [--url URL]`: the REST API from a terminal,
// for scripts and CI. A FILE is a pipeline document (JSON); it is created or updated first.
// `npx weir agent --conf FLUME.properties --name AGENT`: runs a Flume-model agent here (scripts/weir-agent.ts).
import { existsSync, readFileSync } from 'node:fs';

const [cmd, target, ...rest] = process.argv.slice(2);

if (cmd === 'agent') {
  // The agent is the engine's TypeScript, run in this process through tsx.
  const { register } = await import('tsx/esm/api');
  register();
  await import('./weir-agent.ts');
} else {
  await restApi();
}

async function restApi() {
  const urlFlag = rest.indexOf('--url');
  const base = (urlFlag >= 0 ? rest[urlFlag + 1] : process.env.WEIR_URL || 'http://localhost:3000').replace(/\/$/, '');
  const usage = 'usage: weir validate|deploy|stop|replay|status FILE_OR_ID [--url URL]   (WEIR_URL, WEIR_API_TOKEN are read from the environment)\n       weir agent --conf FLUME.properties --name AGENT [--data-dir DIR]   (weir agent --help)';

  if (!['validate', 'deploy', 'stop', 'replay', 'status'].includes(cmd) || !target) {
    console.error(usage);
    process.exit(2);
  }

  const headers = { 'content-type': 'application/json', ...(process.env.WEIR_API_TOKEN ? { authorization: `Bearer ${process.env.WEIR_API_TOKEN}` } : {}) };
  async function call(method, path, body) {
    let res;
    try {
      res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      console.error(`Cannot reach Weir at ${base}: ${e.cause?.message ?? e.message}. Start it with \`npm start\` or pass --url.`);
      process.exit(3);
    }
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      console.error(`${res.status} ${json.error?.code ?? ''}: ${json.error?.message ?? res.statusText}`);
      for (const e of json.error?.details?.errors ?? []) console.error(`  - ${e.path}: ${e.message}`);
      process.exit(1);
    }
    return json;
  }

  let id = target;
  if (existsSync(target)) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(target, 'utf8'));
    } catch (e) {
      console.error(`${target} is not valid JSON: ${e.message}`);
      process.exit(2);
    }
    if (cmd === 'validate') {
      const r = await call('POST', `/api/pipelines/${encodeURIComponent(doc.id ?? 'draft')}/validate`, doc).catch(() => null);
      print(r);
      process.exit(r?.ok ? 0 : 1);
    }
    const exists = doc.id && (await fetch(`${base}/api/pipelines/${encodeURIComponent(doc.id)}`, { headers }).then((r) => r.ok, () => false));
    const saved = exists ? await call('PUT', `/api/pipelines/${encodeURIComponent(doc.id)}`, doc) : await call('POST', '/api/pipelines', doc);
    id = saved.pipeline.id;
    console.error(`saved ${id} v${saved.pipeline.version}`);
  }

  const path = `/api/pipelines/${encodeURIComponent(id)}`;
  const result = cmd === 'status' ? await call('GET', `${path}/status`) : await call('POST', `${path}/${cmd}`);
  print(result);
  if (cmd === 'validate' && !result.ok) process.exit(1);
}

function print(value) {
  console.log(JSON.stringify(value, null, 2));
}
