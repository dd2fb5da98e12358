import { getWeir } from '@/engine/runtime/weir';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

export const GET = route<{ id: string }>(async (_req, { id }) => {
  const { repo } = await getWeir();
  return json({ versions: await repo.versions(id) });
});
