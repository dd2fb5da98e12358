import type { Bus } from '../bus/types';
import type { NodeRef } from '../spec/plan';
import type { CollectRegistry } from './collect-registry';

/**
 * Where an event came from, for exactly-once delivery: one ordered stream of positions inside a
 * source (a file by device:inode, a generator run, ...). `offset` is the position *after* this
 * event and strictly increases along the stream, across the stream's whole life (a taildir file
 * keeps it increasing across copytruncate). Sinks drop an event whose offset is not above what
 * they have already committed for its key; sources resume from the committed offsets.
 */
export interface EventOrigin {
  /** `<sourceNodeId>|<stream id>`, e.g. `r1|2049:131077`. Never contains a newline. */
  key: string;
  offset: number;
}

/** A Flume event: string headers and a body (one log line, one beacon). */
export interface FlumeEvent {
  headers: Record<string, string>;
  body: string;
  /** Absent for sources that cannot replay (exec, http): those are at-least-once by nature. */
  origin?: EventOrigin;
}

/** A channel transaction: what a sink took, to commit once delivered or roll back on failure. */
export interface Take {
  events: FlumeEvent[];
  /** For a file channel this is durable once it resolves. */
  commit(): void | Promise<void>;
  /** The events go back to the front of the channel, in order. */
  rollback(): void | Promise<void>;
}

export interface Channel {
  /** Recovers durable state (file channel); called once before any put or take. */
  open?(): Promise<void>;
  /**
   * Resolves once the events are in (durably, for a durable channel); waits while the channel is
   * full (back-pressure). Splits into transactions of `transactionCapacity`.
   */
  put(events: FlumeEvent[], signal?: AbortSignal): Promise<void>;
  /** Up to `max` events (and at most `transactionCapacity`), waiting at most `waitMs` for the first. */
  take(max: number, waitMs: number): Promise<Take>;
  readonly size: number;
  readonly capacity: number;
  /** True when events put survive a kill -9 of the process (file channel). */
  readonly durable: boolean;
  /**
   * Durable channels: the highest origin offset per key that was ever put and committed
   * (recovered on open). Sources resume above it, because those events are in the channel or
   * already delivered.
   */
  putPositions?(): ReadonlyMap<string, number>;
  close?(): Promise<void>;
}

/** Flume's counter names (org.apache.flume.instrumentation), plus a few of Weir's own. */
export type FlumeCounters = Record<string, number>;

export type LogLevel = 'info' | 'warn' | 'error';

export interface AgentLog {
  (level: LogLevel, message: string, details?: Record<string, unknown>): void;
}

/** What the agent gives each component when it creates it. */
export interface AgentEnv {
  /** Stable name of the agent: transactional ids, offset keys and data folders derive from it. */
  agentId: string;
  /** A folder owned by this node for its files (position file, WAL); created on demand by the node. */
  dataDir: string;
  bus: Bus;
  /** Where `source.http` registers itself so that POST /api/collect/{sourceId} reaches it. */
  collect: CollectRegistry;
  /** Flume-vocabulary counters of this node (mutable; read by status and /api/metrics). */
  counters: FlumeCounters;
  log: AgentLog;
  /** A record that cannot go on (e.g. an over-long line in dead-letter mode): kept with its reason. */
  deadLetter(event: FlumeEvent, reason: string): void;
}

export interface SourceContext {
  /**
   * Hands a batch to the agent: interceptors run, then the channel selector puts the events into
   * the channel(s). Resolves once every channel holds them; waits while one is full. Rejects
   * (WeirError `agent_stopping`) when the agent stops meanwhile.
   */
  put(events: FlumeEvent[]): Promise<void>;
  /**
   * Highest origin offsets already handed off safely (committed by the sink's Kafka transaction,
   * or held by a durable channel), per origin key, as known at start. A source with positions
   * resumes from max(this, its own position file).
   */
  readonly resumePositions: ReadonlyMap<string, number>;
  /**
   * Called whenever positions became safe (see above), so a source can write its position file.
   * Offsets given only grow.
   */
  onSafePositions(listener: (positions: ReadonlyMap<string, number>) => void): void;
  /** Aborted when the agent stops. */
  readonly signal: AbortSignal;
}

export interface Source {
  start(ctx: SourceContext): void | Promise<void>;
  /** Stops reading; a batch in `put` may complete. Writes the position file one last time. */
  stop(): Promise<void>;
}

/**
 * Runs on every batch between a source and its channels, in chain order (Flume interceptors).
 * It may set headers on the events in place and returns the events to pass on (a filter drops
 * some). Runs on the source's put path, so it must be cheap and synchronous.
 */
export interface Interceptor {
  intercept(events: FlumeEvent[]): FlumeEvent[];
}

export interface SinkContext {
  channel: Channel;
  /** After a batch is delivered (committed): the highest origin offset per key it carried. */
  delivered(positions: ReadonlyMap<string, number>): void;
  readonly signal: AbortSignal;
}

export interface Sink {
  /** Prepares before sources start (a Kafka sink reads the origin offsets it committed before). */
  open?(): Promise<void>;
  /** Origin offsets this sink has committed, per key (after open). */
  committedPositions?(): ReadonlyMap<string, number>;
  start(ctx: SinkContext): void;
  /** Stops after the batch in flight; events still in the channel stay there. */
  stop(): Promise<void>;
}

export type SourceFactory = (node: NodeRef, env: AgentEnv) => Source;
export type InterceptorFactory = (node: NodeRef, env: AgentEnv) => Interceptor;
export type ChannelFactory = (node: NodeRef, env: AgentEnv) => Channel;
export type SinkFactory = (node: NodeRef, env: AgentEnv & { topic: string }) => Sink;
