import { getWeir } from '@/engine/runtime/weir';
import { PipelineDocument, PipelineInput } from '@/engine/spec/document';
import { WeirError } from '@/engine/spec/errors';
import { pipelinePrefix } from '@/engine/store/view-keys';
import { json, readJson, route } from '../../_lib/http';
import { assertValid } from '../../_lib/pipelines';

export const dynamic = 'force-dynamic';
type P = { id: string };

export const GET = route<P>(async (_req, { id }) => {
  const { repo, runtime } = await getWeir();
  const [pipeline, meta] = await Promise.all([repo.get(id), repo.meta(id)]);
  return json({ pipeline, state: runtime.state(id), deployedVersion: meta.deployedVersion });
});

/** Saves a new version (Node-RED style: saving does not redeploy; POST …/deploy does). */
export const PUT = route<P>(async (req, { id }) => {
  const input = (await readJson(req, PipelineInput))!;
  if (input.id && input.id !== id) {
    throw new WeirError('id_mismatch', `The body's id "${input.id}" differs from the URL's "${id}"; drop the id from the body or use the right URL.`, { status: 400 });
  }
  const { repo } = await getWeir();
  await repo.meta(id);
  assertValid(PipelineDocument.parse({ ...input, id, version: 1 }));
  return json({ pipeline: await repo.update(id, input) });
});

export const DELETE = route<P>(async (_req, { id }) => {
  const { repo, runtime, store } = await getWeir();
  await runtime.stop(id);
  await store.deletePrefix(pipelinePrefix(id));
  await repo.remove(id);
  return json({ deleted: id });
});
