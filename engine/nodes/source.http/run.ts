import type { BlockList } from 'node:net';
import { isIP } from 'node:net';
import type { AgentEnv, FlumeEvent, Source, SourceContext, SourceFactory } from '../../agent/types';
import { beaconEvent, parseJsonHandlerBody, requestIdFrom } from '../../agent/http/events';
import { corsHeaders, errorReply, isAllowedOrigin, PREFLIGHT_HEADERS, type HttpCollectRequest, type HttpCollectResponse } from '../../agent/http/exchange';
import { listenHttp, type HttpListener } from '../../agent/http/listener';
import { clientAddress, trustedProxies } from '../../processor/lookup/client-ip';
import { WeirError } from '../../spec/errors';
import type { NodeRef } from '../../spec/plan';
import { httpSourceSpec, type HttpSourceConfig } from './spec';

/** Requests waiting for channel room at once; more are answered 503 straight away (bounded memory). */
const MAX_WAITING_PUTS = 256;

/** Flume's HTTPSource counters (org.apache.flume.instrumentation.SourceCounter) plus Weir's own two. */
export const HTTP_SOURCE_COUNTERS = [
  'EventReceivedCount',
  'EventAcceptedCount',
  'AppendBatchReceivedCount',
  'AppendBatchAcceptedCount',
  /** Requests being handled now (a gauge). */
  'OpenConnectionCount',
  /** Answered 4xx: bad body, too large, wrong content type, origin not allowed. */
  'RejectedRequestCount',
  /** Answered 503 because the channel stayed full. */
  'ChannelFullCount',
] as const;

/**
 * Flume HTTPSource: POST /api/collect/{sourceId} (and, with `port` > 0, its own listener) → events →
 * the agent's put (interceptors, channel selector, channels). A request is answered once its events
 * are in the channel, so there is no Kafka round trip on the request path. HTTP cannot be replayed:
 * events carry no origin, and delivery is at-least-once from the sender's side (it retries on 503).
 */
export const createHttpSource: SourceFactory = (node, env) => new HttpSource(node, env);

class HttpSource implements Source {
  private readonly config: HttpSourceConfig;
  private readonly sourceId: string;
  private readonly trusted: BlockList;
  private ctx?: SourceContext;
  private unregister?: () => void;
  private listener?: HttpListener;
  private stopped = false;
  private waitingPuts = 0;
  /** Puts that outlived putTimeoutMs and are still waiting: while any is, the channel counts as full. */
  private stalledPuts = 0;

  constructor(private readonly node: NodeRef, private readonly env: AgentEnv) {
    const parsed = httpSourceSpec.config.safeParse(node.config ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WeirError('invalid_node_config', `source.http "${node.id}": ${issue.path.join('.') || 'config'}: ${issue.message}.`);
    }
    this.config = parsed.data;
    this.sourceId = this.config.sourceId || node.id;
    try {
      this.trusted = trustedProxies(this.config.trustedProxies);
    } catch (e) {
      throw new WeirError('invalid_node_config', `source.http "${node.id}": trustedProxies: ${(e as Error).message}; use CIDRs like 10.0.0.0/8.`);
    }
    for (const name of HTTP_SOURCE_COUNTERS) env.counters[name] ??= 0;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
    const owner = `agent "${this.env.agentId}" (node "${this.node.id}")`;
    this.unregister = this.env.collect.register(this.sourceId, owner, (req) => this.handle(req));
    if (this.config.port > 0) {
      try {
        this.listener = await listenHttp({ port: this.config.port, bind: this.config.bind, maxBodyBytes: this.config.maxBodyBytes }, (req) => this.handle(req));
        this.env.log('info', `source.http "${this.sourceId}" listening on ${this.config.bind}:${this.listener.port}`);
      } catch (e) {
        this.unregister();
        this.unregister = undefined;
        throw e;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unregister?.();
    this.unregister = undefined;
    const l = this.listener;
    this.listener = undefined;
    await l?.close();
  }

  async handle(req: HttpCollectRequest): Promise<HttpCollectResponse> {
    const c = this.env.counters;
    const { allowedOrigins } = this.config;
    const origin = req.headers.origin;
    const allowed = isAllowedOrigin(allowedOrigins, origin);
    const cors = allowed ? corsHeaders(allowedOrigins, origin) : {};
    c.OpenConnectionCount++;
    try {
      if ((req.method ?? 'POST').toUpperCase() === 'OPTIONS') {
        if (!allowed) throw this.originRefused(origin);
        return { status: 204, headers: { ...cors, ...PREFLIGHT_HEADERS } };
      }
      if (!allowed) throw this.originRefused(origin);
      const events = this.readEvents(req);
      c.AppendBatchReceivedCount++;
      c.EventReceivedCount += events.length;
      if (events.length) await this.put(events);
      c.AppendBatchAcceptedCount++;
      c.EventAcceptedCount += events.length;
      return this.config.handler === 'beacon' ? { status: 204, headers: cors } : { status: 200, body: { accepted: events.length }, headers: cors };
    } catch (e) {
      const reply = errorReply(e);
      if (reply.status === 503) c.ChannelFullCount += (e as WeirError).code === 'channel_full' ? 1 : 0;
      else if (reply.status >= 400 && reply.status < 500) c.RejectedRequestCount++;
      else this.env.log('error', `source.http "${this.sourceId}": unexpected error`, { error: String((e as Error)?.stack ?? e) });
      return { ...reply, headers: { ...cors, ...reply.headers } };
    } finally {
      c.OpenConnectionCount--;
    }
  }

  private originRefused(origin: string | undefined) {
    return new WeirError('origin_not_allowed', `Origin ${origin} may not send to HTTP source "${this.sourceId}"; add it to the source's "allowedOrigins" (or use "*").`, {
      status: 403,
      details: { origin, allowedOrigins: this.config.allowedOrigins },
    });
  }

  private readEvents(req: HttpCollectRequest): FlumeEvent[] {
    const { maxBodyBytes, handler } = this.config;
    const bytes = Buffer.byteLength(req.body, 'utf8');
    if (bytes > maxBodyBytes) {
      throw new WeirError('body_too_large', `The body is ${bytes} bytes, more than this source's maxBodyBytes (${maxBodyBytes}); send fewer events per request or raise maxBodyBytes.`, {
        status: 413,
        details: { bytes, maxBodyBytes },
      });
    }
    // The body is read as JSON whatever Content-Type says: sendBeacon posts text/plain (a "simple"
    // request, no CORS preflight), fetch may say application/json, `curl -d` says form-urlencoded.
    if (handler === 'JSONHandler') return parseJsonHandlerBody(req.body, req.contentType);
    const resolved = normalizeIp(clientAddress(normalizeIp(req.remoteAddress), req.headers['x-forwarded-for'], this.trusted));
    const clientIp = isIP(resolved) ? resolved : '-'; // Apache's "unknown"; the line still parses
    return [beaconEvent(req.body, { contentType: req.contentType, clientIp, userAgent: req.headers['user-agent'] ?? '', now: Date.now(), requestId: requestIdFrom(req.headers['x-request-id']) })];
  }

  /**
   * Hands the events to the agent, waiting at most putTimeoutMs for channel room (Flume answers 503 on
   * ChannelException). SourceContext.put cannot be cancelled, so a put that timed out still lands
   * once room frees up: a sender that retries after that 503 may deliver the batch twice
   * (at-least-once). While such a put waits, further requests get 503 at once without putting.
   */
  private async put(events: FlumeEvent[]): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || this.stopped || ctx.signal.aborted) {
      throw new WeirError('source_stopped', `HTTP source "${this.sourceId}" is stopping; send again once its pipeline runs.`, { status: 503, retriable: true });
    }
    if (this.stalledPuts > 0 || this.waitingPuts >= MAX_WAITING_PUTS) throw this.channelFull();
    let settled = false;
    let failed: unknown;
    let stalled = false;
    this.waitingPuts++;
    const put = ctx.put(events);
    const done = put.then(
      () => undefined,
      (e: unknown) => {
        failed = e ?? new Error('put failed');
      },
    );
    void done.then(() => {
      settled = true;
      this.waitingPuts--;
      if (stalled) this.stalledPuts--;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.config.putTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut && !settled) {
      stalled = true;
      this.stalledPuts++;
      throw this.channelFull();
    }
    if (failed !== undefined) throw this.putFailed(failed);
  }

  private channelFull() {
    return new WeirError('channel_full', `HTTP source "${this.sourceId}": the channel is full (its sinks are behind); retry after the Retry-After seconds.`, {
      status: 503,
      retriable: true,
    });
  }

  private putFailed(e: unknown) {
    const code = (e as WeirError)?.code;
    if (code === 'channel_put_too_large') {
      return new WeirError('too_many_events', `${(e as Error).message} Send fewer events per request.`, { status: 413 });
    }
    if (code === 'agent_stopping' || code === 'channel_put_aborted') {
      return new WeirError('source_stopped', `HTTP source "${this.sourceId}" is stopping; send again once its pipeline runs.`, { status: 503, retriable: true, cause: e });
    }
    return new WeirError('channel_error', `HTTP source "${this.sourceId}" could not store the events: ${(e as Error)?.message ?? String(e)}; retry later.`, {
      status: 503,
      retriable: true,
      cause: e,
    });
  }
}

/** `::ffff:203.0.113.7` (an IPv4 client on a dual-stack socket) → `203.0.113.7`, so GeoIP and counts see one address. */
function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m && isIP(m[1]) === 4) return m[1];
  return ip;
}
