import { getWeir } from '@/engine/runtime/weir';
import { deadLetterKey } from '@/engine/store/view-keys';
import { json, route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

/** The most recent failed records with their reasons (newest first). */
export const GET = route<{ id: string }>(async (req, { id }) => {
  const { repo, store } = await getWeir();
  await repo.meta(id);
  const limit = Math.min(Math.max(Number(new URL(req.url).searchParams.get('limit') ?? 100) || 100, 1), 1000);
  const items = await store.readList(deadLetterKey(id), 0, limit - 1);
  return json({ deadLetters: items.map((s) => JSON.parse(s)) });
});
