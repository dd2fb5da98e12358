import type { z } from 'zod';
import { isWeirError, WeirError } from '@/engine/spec/errors';

/** One error shape for the whole API: `{ error: { code, message, details } }`. */
export function errorResponse(e: unknown): Response {
  if (isWeirError(e)) {
    return Response.json({ error: e.toJSON() }, { status: e.status, headers: e.retriable ? { 'Retry-After': '1' } : undefined });
  }
  console.error('[weir] unexpected error', e);
  return Response.json(
    { error: { code: 'internal_error', message: 'Something went wrong inside Weir; the server log has the details. Retrying may help.', details: null } },
    { status: 500 },
  );
}

export type RouteContext<P extends Record<string, string> = Record<string, string>> = { params: Promise<P> };

/** Wraps a route handler: every thrown error becomes the API's error shape. */
export function route<P extends Record<string, string>>(fn: (req: Request, params: P) => Promise<Response>) {
  return async (req: Request, ctx: RouteContext<P>): Promise<Response> => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') checkToken(req);
      return await fn(req, (await ctx?.params) ?? ({} as P));
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** When WEIR_API_TOKEN is set, every mutating call needs `Authorization: Bearer <token>`. */
function checkToken(req: Request) {
  const token = process.env.WEIR_API_TOKEN;
  if (!token) return;
  if (req.headers.get('authorization') !== `Bearer ${token}`) {
    throw new WeirError('unauthorized', 'This call changes state and needs the header "Authorization: Bearer <WEIR_API_TOKEN>".', { status: 401 });
  }
}

/** Reads and validates a JSON body; malformed JSON and schema violations are 400s naming the problem. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, opts: { optional?: boolean } = {}): Promise<z.infer<S> | undefined> {
  const text = await req.text();
  if (!text.trim()) {
    if (opts.optional) return undefined;
    throw new WeirError('empty_body', 'The request needs a JSON body.', { status: 400 });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new WeirError('malformed_json', `The body is not valid JSON: ${(e as Error).message}. Send a JSON document with Content-Type: application/json.`, { status: 400 });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ code: 'invalid_body', path: i.path.map(String).join('.') || '(body)', message: `${i.path.map(String).join('.') || 'body'}: ${i.message}` }));
    throw new WeirError('invalid_body', `The body does not match the expected shape; first problem: ${errors[0].message}.`, { status: 400, details: { errors } });
  }
  return parsed.data;
}

export const json = (body: unknown, status = 200) => Response.json(body, { status });
