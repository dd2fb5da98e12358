import type { AtomicBatch, HashIncrement } from '../store/types';

/** What one operator produced from one batch, by output port name. */
export type PortOutputs = Record<string, unknown[]>;

export interface BatchContext {
  pipelineId: string;
  partition: number;
  /**
   * This node's state for this partition (e.g. a watermark). It is checkpointed atomically with
   * the batch's offsets, so mutate it only to reflect the records of this batch.
   */
  state: Record<string, unknown>;
}

/** Operators take a batch and return a batch; they never mutate their input. */
export interface Operator {
  process(input: readonly unknown[], ctx: BatchContext): PortOutputs | Promise<PortOutputs>;
}

/** Writes a view node contributes to the batch's single atomic store step. */
export interface ViewWrites {
  increments: HashIncrement[];
  expire: { key: string; seconds: number }[];
  hllAdds?: AtomicBatch['hllAdds'];
  zincrs?: AtomicBatch['zincrs'];
}

export interface ViewWriter {
  writes(input: readonly unknown[], ctx: BatchContext): ViewWrites;
}
