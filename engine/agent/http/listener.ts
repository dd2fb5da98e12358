import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WeirError } from '../../spec/errors';
import { errorReply, type HttpCollectHandler, type HttpCollectResponse } from './exchange';

/**
 * source.http's own port (Flume HTTPSource's `port`), for a standalone `weir agent` with no web
 * server in front: POST any path, like Flume. Here the TCP peer is known, so `remoteAddress` is real.
 */
export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  bind: string;
  maxBodyBytes: number;
}

export function listenHttp(opts: ListenOptions, handle: HttpCollectHandler): Promise<HttpListener> {
  const server = createServer((req, res) => {
    serve(req, res, opts.maxBodyBytes, handle).catch(() => {
      if (!res.headersSent) send(res, errorReply(new Error('unexpected')));
      else res.destroy();
    });
  });
  // A stalled client must not hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'is in use by another program' : e.code === 'EACCES' ? 'needs privileges (ports below 1024)' : `cannot be opened (${e.message})`;
      reject(
        new WeirError('http_source_listen_failed', `Port ${opts.port} on ${opts.bind} ${why}; choose another "port", or 0 to receive only through POST /api/collect/{sourceId}.`, {
          cause: e,
        }),
      );
    };
    server.once('error', onError);
    server.listen(opts.port, opts.bind, () => {
      server.off('error', onError);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number, handle: HttpCollectHandler) {
  const method = req.method ?? 'GET';
  if (method !== 'POST' && method !== 'OPTIONS') {
    send(res, { ...errorReply(new WeirError('method_not_allowed', `Send events with POST (got ${method}).`, { status: 405 })), headers: { Allow: 'POST, OPTIONS' } });
    req.resume();
    return;
  }
  const body = await readBody(req, maxBodyBytes);
  if (body === undefined) {
    const reply = errorReply(new WeirError('body_too_large', `The body is larger than this source's maxBodyBytes (${maxBodyBytes}); send fewer events per request.`, { status: 413 }));
    send(res, { ...reply, headers: { ...reply.headers, Connection: 'close' } });
    res.on('finish', () => req.destroy());
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  send(res, await handle({ method, body, contentType: headers['content-type'] ?? '', headers, remoteAddress: req.socket.remoteAddress ?? '' }));
}

/** The body as text, or undefined once it exceeds `max` bytes (reading stops there). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > max) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.pause();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: HttpCollectResponse) {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  headers['Content-Type'] = 'application/json';
  res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
}
