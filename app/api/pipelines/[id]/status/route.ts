import { getWeir } from '@/engine/runtime/weir';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

export const GET = route<{ id: string }>(async (_req, { id }) => {
  const { runtime } = await getWeir();
  return json(await runtime.status(id));
});
