import type { CollectRequest, CollectResponse } from '../collect-registry';
import { isWeirError } from '../../spec/errors';

/*
 * The collect registry's request/response carry no method and no response headers. The HTTP source
 * needs both (the CORS preflight, Access-Control-Allow-Origin, Retry-After), so the route and the
 * source's own listener pass these supersets; both are assignable to the registry's types, and the
 * extra fields are optional, so a handler that ignores them still works.
 */

export interface HttpCollectRequest extends CollectRequest {
  /** `POST` when absent; `OPTIONS` asks the source to answer a CORS preflight. */
  method?: string;
}

export interface HttpCollectResponse extends CollectResponse {
  headers?: Record<string, string>;
}

export type HttpCollectHandler = (req: HttpCollectRequest) => Promise<HttpCollectResponse>;

/** Headers of a handler's answer, whatever handler registered under the id. */
export const responseHeaders = (res: CollectResponse): Record<string, string> => (res as HttpCollectResponse).headers ?? {};

/** The API's one error shape, `{ error: { code, message, details } }`, with Retry-After when retrying can succeed. */
export function errorReply(e: unknown): HttpCollectResponse {
  if (isWeirError(e)) {
    return { status: e.status, body: { error: e.toJSON() }, headers: e.retriable ? { 'Retry-After': '1' } : {} };
  }
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'Something went wrong inside the HTTP source; the server log has the details. Retrying may help.', details: null } },
    headers: {},
  };
}

/** Allowed origins: `*`, or exact origins like `https://shop.example` (scheme, host, port; no path). */
export function isAllowedOrigin(allowed: readonly string[], origin: string | undefined): boolean {
  if (allowed.includes('*')) return true;
  // Not a browser (curl, a server, a log shipper): CORS does not apply.
  if (origin === undefined || origin === '') return true;
  const o = origin.toLowerCase();
  return allowed.some((a) => a.toLowerCase().replace(/\/+$/, '') === o);
}

/** CORS headers for an answer to `origin` (call only when isAllowedOrigin). */
export function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (allowed.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
  if (!origin) return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** What a preflight answer adds: the beacon posts text/plain (no preflight), fetch callers may send JSON. */
export const PREFLIGHT_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, X-Request-Id',
  'Access-Control-Max-Age': '86400',
};

/**
 * For a server that cannot see the socket (a Next route handler): `a, b, c` → peer `c`, the hop
 * nearest to it (Next fills the header with the socket's address when a request has none),
 * and `a, b` as the X-Forwarded-For that hop received.
 */
export function splitForwardedFor(header: string | undefined): { peer: string; forwarded: string } {
  const hops = (header ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const peer = hops.pop() ?? '';
  return { peer, forwarded: hops.join(', ') };
}
