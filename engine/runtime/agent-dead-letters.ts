import type { FlumeEvent } from '../agent/types';
import { deadLetter } from '../processor/records';
import type { Store } from '../store/types';
import { deadLetterKey } from '../store/view-keys';

const FLUSH_MS = 500;
const KEEP = 1000;

/**
 * An agent's dead letters (over-long lines, ...) go to the pipeline's dead-letter list, next to
 * the processor's, in batches: one store write per half second at most, not one per event.
 */
export class AgentDeadLetters {
  private pending: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly pipelineId: string,
  ) {}

  add(nodeId: string, event: FlumeEvent, reason: string): void {
    const code = reason.match(/^([a-z_]+):/)?.[1] ?? 'agent_rejected';
    this.pending.push(JSON.stringify(deadLetter(nodeId, code, reason, event.body)));
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const values = this.pending.splice(0);
    try {
      await this.store.applyAtomic({ checkpoints: [], increments: [], pushes: [{ key: deadLetterKey(this.pipelineId), values, max: KEEP }] });
    } catch (e) {
      console.error(`[weir] could not store ${values.length} agent dead letters of "${this.pipelineId}": ${(e as Error).message}`);
    }
  }
}
