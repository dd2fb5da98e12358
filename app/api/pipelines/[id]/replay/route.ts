import { getWeir } from '@/engine/runtime/weir';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

/** Rebuilds the pipeline's views from the retained log (404 unknown id, 409 `not_running` when not deployed). */
export const POST = route<{ id: string }>(async (_req, { id }) => {
  const { runtime } = await getWeir();
  return json(await runtime.replay(id));
});
