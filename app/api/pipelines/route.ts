import { getWeir } from '@/engine/runtime/weir';
import { PipelineDocument, PipelineInput } from '@/engine/spec/document';
import { json, readJson, route } from '../_lib/http';
import { assertValid } from '../_lib/pipelines';

export const dynamic = 'force-dynamic';

export const GET = route(async () => {
  const { repo, runtime } = await getWeir();
  const metas = await repo.list();
  return json({
    pipelines: metas.map((m) => ({
      id: m.id,
      name: m.name,
      version: m.latest,
      deployedVersion: m.deployedVersion,
      state: runtime.state(m.id),
      eventsPerSec: runtime.eventsPerSec(m.id),
      updatedAt: m.updatedAt,
    })),
  });
});

export const POST = route(async (req) => {
  const input = (await readJson(req, PipelineInput))!;
  assertValid(PipelineDocument.parse({ ...input, id: input.id ?? 'new', version: 1 }));
  const { repo } = await getWeir();
  return json({ pipeline: await repo.create(input) }, 201);
});
