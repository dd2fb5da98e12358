/**
 * Every error Weir reports carries a stable `code`, a message that says what to change,
 * optional `details`, and whether retrying the same call can succeed (kafkajs' `retriable` model).
 * REST answers these as `{ error: { code, message, details } }` with `status`.
 */
const BRAND = Symbol.for('weir.error');

export class WeirError extends Error {
  /** A brand instead of instanceof: bundlers may load this module twice (e.g. instrumentation vs routes). */
  readonly [BRAND] = true;
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: unknown;

  constructor(
    code: string,
    message: string,
    opts: { status?: number; retriable?: boolean; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'WeirError';
    this.code = code;
    this.status = opts.status ?? 400;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details;
  }

  toJSON() {
    return { code: this.code, message: this.message, details: this.details ?? null };
  }
}

export const isWeirError = (e: unknown): e is WeirError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;

/** A problem found in a pipeline document, located precisely enough for the editor to highlight it. */
export interface ValidationIssue {
  code: string;
  message: string;
  /** JSON-path-like location inside the document, e.g. `nodes[2].config.rate`. */
  path: string;
  nodeId?: string;
  edge?: { from: { node: string; port: string }; to: { node: string; port: string } };
}
