import { getWeir } from '@/engine/runtime/weir';
import { WeirError } from '@/engine/spec/errors';
import { json, route } from '../../../../_lib/http';

export const dynamic = 'force-dynamic';

export const GET = route<{ id: string; v: string }>(async (_req, { id, v }) => {
  const version = Number(v);
  if (!Number.isInteger(version) || version < 1) throw new WeirError('invalid_version', `Version "${v}" is not a positive integer.`, { status: 400 });
  const { repo } = await getWeir();
  return json({ pipeline: await repo.get(id, version) });
});
