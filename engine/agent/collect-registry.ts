import { WeirError } from '../spec/errors';

/** What POST /api/collect/{sourceId} hands to a running `source.http`. */
export interface CollectRequest {
  /** Raw body as received (JSON text). */
  body: string;
  contentType: string;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  /** The TCP peer address (before any X-Forwarded-For handling). */
  remoteAddress: string;
}

export interface CollectResponse {
  status: number;
  /** JSON body; absent for 204. */
  body?: unknown;
}

export type CollectHandler = (req: CollectRequest) => Promise<CollectResponse>;

/**
 * The running HTTP sources of this process, by their public `sourceId`. A source registers on
 * start and unregisters on stop; ids are unique across deployed pipelines.
 */
export class CollectRegistry {
  private readonly handlers = new Map<string, { owner: string; handle: CollectHandler }>();

  register(sourceId: string, owner: string, handle: CollectHandler): () => void {
    const existing = this.handlers.get(sourceId);
    if (existing && existing.owner !== owner) {
      throw new WeirError(
        'collect_source_taken',
        `HTTP source id "${sourceId}" is already used by ${existing.owner}; give this source another "sourceId".`,
        { status: 409 },
      );
    }
    const entry = { owner, handle };
    this.handlers.set(sourceId, entry);
    return () => {
      if (this.handlers.get(sourceId) === entry) this.handlers.delete(sourceId);
    };
  }

  lookup(sourceId: string): CollectHandler | undefined {
    return this.handlers.get(sourceId)?.handle;
  }

  ids(): string[] {
    return [...this.handlers.keys()];
  }
}
