import { getWeir } from '@/engine/runtime/weir';
import { changesChannel } from '@/engine/store/view-keys';
import { route } from '../../../_lib/http';

export const dynamic = 'force-dynamic';

/** Notices to one browser are coalesced: at most one `change` event per interval. */
const THROTTLE_MS = 250;
const HEARTBEAT_MS = 15_000;

/** Server-Sent Events: `event: change` after committed batches (throttled per client). */
export const GET = route<{ id: string }>(async (req, { id }) => {
  const { repo, store } = await getWeir();
  await repo.meta(id);
  const encoder = new TextEncoder();
  let cleanup = async () => {};
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      let pending = 0;
      let timer: NodeJS.Timeout | undefined;
      let lastSent = 0;
      const flush = () => {
        timer = undefined;
        lastSent = Date.now();
        send(`event: change\ndata: ${JSON.stringify({ pipelineId: id, at: lastSent, events: pending })}\n\n`);
        pending = 0;
      };
      const unsubscribe = await store.subscribe(changesChannel(id), (message) => {
        try {
          pending += Number(JSON.parse(message).events) || 0;
        } catch {
          pending += 0;
        }
        if (!timer) timer = setTimeout(flush, Math.max(0, THROTTLE_MS - (Date.now() - lastSent)));
      });
      const heartbeat = setInterval(() => send(`: keep-alive\n\n`), HEARTBEAT_MS);
      cleanup = async () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        if (timer) clearTimeout(timer);
        await unsubscribe();
        try {
          controller.close();
        } catch {
          /* already closed by the client */
        }
      };
      req.signal.addEventListener('abort', () => void cleanup(), { once: true });
      send(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ pipelineId: id })}\n\n`);
    },
    cancel() {
      return cleanup();
    },
  });
  return new Response(stream, {
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' },
  });
});
