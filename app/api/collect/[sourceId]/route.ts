import { corsHeaders, responseHeaders, splitForwardedFor, type HttpCollectRequest } from '@/engine/agent/http/exchange';
import { getWeir } from '@/engine/runtime/weir';
import { WeirError } from '@/engine/spec/errors';
import { errorResponse, type RouteContext } from '../../_lib/http';

export const dynamic = 'force-dynamic';

/**
 * POST /api/collect/{sourceId}: events for the running `source.http` with that sourceId (Flume
 * JSONHandler bodies, or page views from /weir-beacon.js). OPTIONS answers the CORS preflight.
 *
 * Not wrapped in route(): that wrapper asks mutating calls for WEIR_API_TOKEN, and a browser beacon
 * cannot carry a secret. Ingest is guarded by the source instead (allowedOrigins, maxBodyBytes).
 *
 * The client address. A route handler never sees the socket; what it has is X-Forwarded-For, which
 * Next's own server fills with the TCP peer address when the request came without one
 * (`req.headers['x-forwarded-for'] ??= originalRequest.socket.remoteAddress` in
 * next/dist/server/base-server.js, Next 16.4).
 * So the right-most entry is the peer as seen by the hop in front of Next: Next itself (no proxy),
 * or the reverse proxy that appended it. That entry is passed as `remoteAddress`, the entries left
 * of it as X-Forwarded-For, and the source resolves the client with its trustedProxies. The limit:
 * with `next start` exposed directly, a client that sends its own X-Forwarded-For chooses the
 * address it is logged under; put a reverse proxy in front that sets the header (nginx
 * `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`), or give the source its own
 * `port`, where the socket is known.
 */

/** The largest maxBodyBytes a source may have; each source applies its own, smaller limit. */
const MAX_BODY_BYTES = 1_048_576;

type Params = { sourceId: string };

const handle = (method: 'POST' | 'OPTIONS') =>
  async (req: Request, ctx: RouteContext<Params>): Promise<Response> => {
    // Errors found here (no such source, body over the hard cap) are readable by any page's script.
    const cors = corsHeaders(['*'], undefined);
    try {
      const { sourceId } = await ctx.params;
      const { collect } = await getWeir();
      const handler = collect.lookup(sourceId);
      if (!handler) {
        const known = collect.ids().sort();
        throw new WeirError(
          'collect_source_not_found',
          `No running HTTP source has sourceId "${sourceId}". Deploy a pipeline with a source.http node whose sourceId is "${sourceId}" (empty sourceId = the node's id), or send to one of the running ids.`,
          { status: 404, details: { sourceId, known } },
        );
      }
      const body = method === 'POST' ? await readCapped(req, MAX_BODY_BYTES) : '';
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
      const { peer, forwarded } = splitForwardedFor(headers['x-forwarded-for']);
      if (forwarded) headers['x-forwarded-for'] = forwarded;
      else delete headers['x-forwarded-for'];
      const request: HttpCollectRequest = { method, body, contentType: headers['content-type'] ?? '', headers, remoteAddress: peer };
      const res = await handler(request);
      const out = new Headers(responseHeaders(res));
      if (res.body === undefined || res.status === 204) return new Response(null, { status: res.status, headers: out });
      out.set('Content-Type', 'application/json');
      return new Response(JSON.stringify(res.body), { status: res.status, headers: out });
    } catch (e) {
      const res = errorResponse(e);
      for (const [k, v] of Object.entries(cors)) res.headers.set(k, v);
      return res;
    }
  };

export const POST = handle('POST');
export const OPTIONS = handle('OPTIONS');

async function readCapped(req: Request, max: number): Promise<string> {
  const tooLarge = () =>
    new WeirError('body_too_large', `The body is larger than ${max} bytes, the most any HTTP source accepts; send fewer events per request.`, { status: 413 });
  if (Number(req.headers.get('content-length') ?? 0) > max) throw tooLarge();
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
