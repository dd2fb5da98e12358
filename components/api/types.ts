import type { PipelineDocument } from '@/engine/spec/document';
import type { ValidationIssue } from '@/engine/spec/errors';

/** Shapes of the REST API answers the UI reads (DESIGN.md, "REST API"). */

export type PipelineState = 'running' | 'stopped' | 'failed' | 'deploying';

export interface PipelineSummary {
  id: string;
  name: string;
  version: number;
  state: PipelineState;
  eventsPerSec: number;
  updatedAt: string | number;
}

export interface NodeStatus {
  in: number;
  out: number;
  errors: number;
  inRate: number;
  outRate: number;
  /** Channels only: how full the queue is, 0..1. */
  fill?: number;
  lag?: number;
  /** Agent components: Flume's counters by name (EventPutSuccessCount, BatchCompleteCount, ...). */
  flume?: Record<string, number>;
}

export interface PipelineStatus {
  pipelineId: string;
  state: PipelineState;
  version: number;
  error?: { code: string; message: string };
  nodes: Record<string, NodeStatus>;
}

export interface PipelineWithState {
  pipeline: PipelineDocument;
  state: PipelineState;
}

export interface ValidateResult {
  ok: boolean;
  errors: ValidationIssue[];
}

export type StatsDimension = 'module' | 'country' | 'region' | 'city' | 'browser' | 'os' | 'device';
export type Granularity = 'minute' | 'hour' | 'day';

export interface StatsSeries {
  series: { key: string; points: [number, number][] }[];
}

export interface StatsBreakdown {
  breakdown: { key: string; count: number }[];
  total: number;
  /** Counts of the groups the API's `limit` (default 50) left out of `breakdown`. */
  other?: number;
}

export interface Health {
  ok: boolean;
  bus: { kind: 'kafka' | 'embedded'; ok: boolean; detail?: string };
  store: { kind: 'redis' | 'embedded'; ok: boolean; detail?: string };
}
