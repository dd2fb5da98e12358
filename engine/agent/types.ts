/** A Flume event: string headers and a body (one log line, one beacon). */
export interface FlumeEvent {
  headers: Record<string, string>;
  body: string;
}

/** A channel transaction: what a sink took, to commit once delivered or roll back on failure. */
export interface Take {
  events: FlumeEvent[];
  commit(): void;
  rollback(): void;
}

export interface Channel {
  /** Resolves once the events are in; waits while the channel is full (back-pressure). */
  put(events: FlumeEvent[], signal?: AbortSignal): Promise<void>;
  /** Up to `max` events, waiting at most `waitMs` for the first. */
  take(max: number, waitMs: number): Promise<Take>;
  readonly size: number;
  readonly capacity: number;
}

export interface Source {
  start(put: (events: FlumeEvent[]) => Promise<void>): void;
  stop(): Promise<void>;
}

export interface Sink {
  start(channel: Channel): void;
  /** Stops after the batch in flight; events still in the channel stay there. */
  stop(): Promise<void>;
}
