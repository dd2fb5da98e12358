import { getWeir } from '@/engine/runtime/weir';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

export const POST = route<{ id: string }>(async (_req, { id }) => {
  const { runtime } = await getWeir();
  return json(await runtime.deploy(id));
});
