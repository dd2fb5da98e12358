import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bus } from '../../bus/types';
import type { CollectRegistry } from '../collect-registry';
import { taildirSpec } from '../../nodes/source.taildir/spec';
import type { AgentEnv, FlumeEvent, LogLevel, SourceContext } from '../types';
import { TaildirSource } from './taildir-source';

/** Test-only: drives a taildir source with a channel that delivers each batch as soon as it is put. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function tmpDir(label: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `weir-taildir-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LogRecord {
  level: LogLevel;
  message: string;
  details?: Record<string, unknown>;
}

export function testEnv(dataDir: string): { env: AgentEnv; logs: LogRecord[]; dead: { event: FlumeEvent; reason: string }[] } {
  const logs: LogRecord[] = [];
  const dead: { event: FlumeEvent; reason: string }[] = [];
  const env: AgentEnv = {
    agentId: 'test-agent',
    dataDir,
    bus: {} as Bus,
    collect: {} as CollectRegistry,
    counters: {},
    log: (level, message, details) => logs.push({ level, message, details }),
    deadLetter: (event, reason) => dead.push({ event, reason }),
  };
  return { env, logs, dead };
}

/**
 * A SourceContext whose "channel" keeps every event and reports it delivered right after the put
 * (as a sink committing each batch at once would). `committed` plays the sink's committed offsets.
 */
export class FakeContext implements SourceContext {
  readonly events: FlumeEvent[] = [];
  readonly committed = new Map<string, number>();
  readonly controller = new AbortController();
  private listeners: ((p: ReadonlyMap<string, number>) => void)[] = [];
  /** Set to make puts wait (back-pressure) until it resolves. */
  gate?: Promise<void>;
  /** A slow channel: every put takes this long. */
  delayMs = 0;
  deliver = true;

  constructor(readonly resumePositions: ReadonlyMap<string, number> = new Map()) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Puts begun (including one waiting at the gate). */
  putsStarted = 0;

  async put(events: FlumeEvent[]): Promise<void> {
    this.putsStarted++;
    if (this.gate) await this.gate;
    if (this.delayMs) await sleep(this.delayMs);
    this.events.push(...events);
    if (!this.deliver) return;
    for (const e of events) {
      if (e.origin && e.origin.offset > (this.committed.get(e.origin.key) ?? -1)) this.committed.set(e.origin.key, e.origin.offset);
    }
    for (const l of this.listeners) l(this.committed);
  }

  onSafePositions(listener: (p: ReadonlyMap<string, number>) => void): void {
    this.listeners.push(listener);
  }
}

export function makeSource(config: Record<string, unknown>, env: AgentEnv, nodeId = 'r1'): TaildirSource {
  return new TaildirSource(nodeId, taildirSpec.config.parse(config), env);
}

/** Per origin key, offsets must strictly increase in emission order. */
export function offsetsIncrease(events: FlumeEvent[]): string | null {
  const last = new Map<string, number>();
  for (const e of events) {
    if (!e.origin) return `event without origin: ${e.body.slice(0, 80)}`;
    const prev = last.get(e.origin.key) ?? -1;
    if (e.origin.offset <= prev) return `${e.origin.key}: offset ${e.origin.offset} after ${prev} (${e.body.slice(0, 80)})`;
    last.set(e.origin.key, e.origin.offset);
  }
  return null;
}

/** Missing and repeated lines, compared with the expected ones (order-free). */
export function exactlyOnce(expected: readonly string[], got: readonly string[]): { missing: string[]; repeated: string[]; unexpected: string[] } {
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const b of got) seen.set(b, (seen.get(b) ?? 0) + 1);
  const missing = expected.filter((l) => !seen.has(l));
  const repeated = [...seen].filter(([, n]) => n > 1).map(([l]) => l);
  const unexpected = [...seen.keys()].filter((l) => !want.has(l));
  return { missing: missing.slice(0, 10), repeated: repeated.slice(0, 10), unexpected: unexpected.slice(0, 10) };
}
