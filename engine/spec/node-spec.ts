import type { z } from 'zod';

/**
 * What flows along an edge. An output connects only to an input of the same kind:
 * - event:  a Flume event ({ headers, body }) inside a collection agent
 * - stream: records written to / read from a Kafka topic
 * - visit:  a parsed, enriched page view inside the stream processor
 * - counts: windowed aggregates on their way to a serving view
 * - dead:   records that failed, with their reason
 */
export type PortKind = 'event' | 'stream' | 'visit' | 'counts' | 'dead';

export interface PortSpec {
  name: string;
  kind: PortKind;
  /** An input that must be connected for the pipeline to be valid. */
  required?: boolean;
  /** An input that accepts several edges (Flume: several sources may feed one channel). */
  multiple?: boolean;
}

export type NodeCategory =
  | 'source'
  | 'interceptor'
  | 'channel'
  | 'sink'
  | 'topic'
  | 'processor'
  | 'view'
  | 'deadletter';

export interface Localized {
  en: string;
  zh: string;
}

export interface NodeSpec<Config extends z.ZodObject = z.ZodObject> {
  /** Public API: appears in saved documents. */
  type: string;
  category: NodeCategory;
  title: Localized;
  description: Localized;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** The single source of truth for the node's config: editor form, REST validation, compiler, docs. */
  config: Config;
  /** zh-CN help per config field; the English help is the field's zod `.describe()`. */
  fieldHelpZh?: Partial<Record<Extract<keyof z.input<Config>, string>, string>>;
}

export const defineNode = <C extends z.ZodObject>(spec: NodeSpec<C>): NodeSpec<C> => spec;

/** Categories that run inside a collection agent (Flume model) rather than the stream processor. */
export const agentCategories: ReadonlySet<NodeCategory> = new Set(['source', 'interceptor', 'channel', 'sink']);
