import { getWeir } from '@/engine/runtime/weir';
import { json, route } from '../_lib/http';

export const dynamic = 'force-dynamic';

export const GET = route(async () => {
  const weir = await getWeir();
  const [bus, store] = await Promise.all([
    weir.bus.health().catch((e: Error) => ({ ok: false, detail: e.message })),
    weir.store.health().catch((e: Error) => ({ ok: false, detail: e.message })),
  ]);
  const ok = bus.ok && store.ok;
  return json({ ok, bus: { kind: weir.bus.kind, ...bus }, store: { kind: weir.store.kind, ...store } }, ok ? 200 : 503);
});
