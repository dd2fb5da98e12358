import type { PipelineDocument, PipelineInput } from '@/engine/spec/document';
import type { ValidationIssue } from '@/engine/spec/errors';
import type {
  Granularity,
  PipelineState,
  PipelineStatus,
  PipelineSummary,
  PipelineWithState,
  StatsBreakdown,
  StatsDimension,
  StatsSeries,
  ValidateResult,
} from './types';

/** An error answered by the API as `{ error: { code, message, details } }`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The per-node validation issues a 400 on save carries in `details.errors`. */
  get issues(): ValidationIssue[] {
    const errors = (this.details as { errors?: unknown } | null)?.errors;
    return Array.isArray(errors) ? (errors as ValidationIssue[]) : [];
  }
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      cache: 'no-store',
      headers: init.body ? { 'content-type': 'application/json', ...init.headers } : init.headers,
    });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // a proxy's HTML error page: reported below with the status
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `${res.status} ${res.statusText}`, err?.details ?? null);
  }
  return body as T;
}

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  body: body === undefined ? undefined : JSON.stringify(body),
});

export interface StatsQuery {
  from: number;
  to: number;
  groupBy: StatsDimension;
  granularity?: Granularity;
  filter?: Partial<Record<StatsDimension, string>>;
}

const statsPath = (id: string, q: StatsQuery) => {
  const params = new URLSearchParams({ from: String(q.from), to: String(q.to), groupBy: q.groupBy });
  if (q.granularity) params.set('granularity', q.granularity);
  for (const [dim, value] of Object.entries(q.filter ?? {})) if (value) params.set(`filter[${dim}]`, value);
  return `${pipelinePath(id)}/stats?${params}`;
};

const pipelinePath = (id: string) => `/api/pipelines/${encodeURIComponent(id)}`;

export const api = {
  listPipelines: () => request<{ pipelines: PipelineSummary[] }>('/api/pipelines'),
  createPipeline: (doc: PipelineInput) => request<{ pipeline: PipelineDocument }>('/api/pipelines', json('POST', doc)),
  getPipeline: (id: string) => request<PipelineWithState>(pipelinePath(id)),
  savePipeline: (doc: PipelineDocument) => request<{ pipeline: PipelineDocument }>(pipelinePath(doc.id), json('PUT', doc)),
  validatePipeline: (doc: PipelineDocument) => request<ValidateResult>(`${pipelinePath(doc.id)}/validate`, json('POST', doc)),
  deploy: (id: string) => request<{ state: PipelineState }>(`${pipelinePath(id)}/deploy`, json('POST')),
  stop: (id: string) => request<{ state: PipelineState }>(`${pipelinePath(id)}/stop`, json('POST')),
  status: (id: string) => request<PipelineStatus>(`${pipelinePath(id)}/status`),
  uniques: (id: string, q: { from: number; to: number; module?: string | null }) => {
    const params = new URLSearchParams({ metric: 'uniques', from: String(q.from), to: String(q.to) });
    if (q.module) params.set('filter[module]', q.module);
    return request<{ uniques: number; from: number; to: number; byModule: { key: string; uniques: number }[] }>(`${pipelinePath(id)}/stats?${params}`);
  },
  liveUrl: (id: string) => `${pipelinePath(id)}/live`,
  statsSeries: (id: string, q: StatsQuery & { granularity: Granularity }) => request<StatsSeries>(statsPath(id, q)),
  statsBreakdown: (id: string, q: StatsQuery) => request<StatsBreakdown>(statsPath(id, q)),
};
