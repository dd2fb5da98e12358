import { lookupNodeSpec } from '@/engine/nodes/registry';
import { getWeir } from '@/engine/runtime/weir';
import { PipelineDocument, PipelineInput } from '@/engine/spec/document';
import { validatePipeline } from '@/engine/spec/graph';
import { json, readJson, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

/** Validates the body if one is sent (the editor's unsaved draft), else the saved latest version. */
export const POST = route<{ id: string }>(async (req, { id }) => {
  const body = await readJson(req, PipelineInput, { optional: true });
  const doc = body ? PipelineDocument.parse({ ...body, id, version: body.version ?? 0 }) : await (await getWeir()).repo.get(id);
  const errors = validatePipeline(doc, lookupNodeSpec);
  return json({ ok: errors.length === 0, errors });
});
