import { spawn, type ChildProcess } from 'node:child_process';
import { nodeConfig } from '../../agent/interceptors/node-config';
import type { FlumeEvent, SourceContext, SourceFactory } from '../../agent/types';
import { execSourceSpec } from './spec';

/** After SIGTERM, how long the command gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** How long stop() waits for lines already read to reach the channel. */
const STOP_FLUSH_MS = 5_000;
/** A run at least this long resets the restart back-off. */
const HEALTHY_RUN_MS = 60_000;
const MAX_BACKOFF_MS = 300_000;
const PUT_RETRY_MS = 1_000;

// Commands run in their own process group (so a shell pipeline dies as a whole); kill the groups
// still running if this process exits without stopping its sources.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
};

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

/**
 * Flume ExecSource. Lines of stdout become events (headers empty, no origin: a command cannot be
 * replayed). Batches go on at `batchSize` lines or after `batchTimeout`; while the channel is slow
 * the command's stdout is paused, so the command blocks on its pipe instead of this process
 * buffering without bound.
 */
export const createExecSource: SourceFactory = (node, env) => {
  const c = nodeConfig(execSourceSpec, node);
  const argv = c.shell ? [...c.shell.trim().split(/\s+/), c.command] : c.command.trim().split(/\s+/);
  const counters = env.counters;
  for (const k of ['EventReceivedCount', 'EventAcceptedCount', 'AppendBatchReceivedCount', 'AppendBatchAcceptedCount', 'ProcessRestartCount']) counters[k] ??= 0;
  const name = `exec source "${node.id}"`;

  let running = false;
  let child: ChildProcess | undefined;
  let loop: Promise<void> | undefined;
  const stopping = new AbortController();

  /** Runs the command once; resolves when it has exited and its lines are handed on (or given up). */
  function runOnce(ctx: SourceContext): Promise<Exit> {
    return new Promise((resolve) => {
      const queue: string[] = [];
      let oldestAt = 0;
      let ended = false;
      let exit: Exit | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const highWater = c.batchSize * 4;

      let proc: ChildProcess;
      try {
        proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', c.logStdErr ? 'pipe' : 'ignore'], detached: true });
      } catch (e) {
        resolve({ code: null, signal: null, error: e as NodeJS.ErrnoException });
        return;
      }
      child = proc;
      const pid = proc.pid;
      if (pid !== undefined) {
        liveGroups.add(pid);
        if (!exitHookInstalled) {
          exitHookInstalled = true;
          process.once('exit', () => liveGroups.forEach((g) => killGroup(g, 'SIGKILL')));
        }
      }

      const push = (line: string) => {
        if (line.endsWith('\r')) line = line.slice(0, -1); // readLine() semantics: \n, \r\n
        if (queue.length === 0) oldestAt = Date.now();
        queue.push(line);
        counters.EventReceivedCount++;
      };
      // Streaming decode: a character split across chunks is kept whole; invalid bytes → U+FFFD.
      const decoder = new TextDecoder(c.charset);
      let partial = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
        partial = lines.pop()!;
        for (const line of lines) push(line);
        if (queue.length >= highWater) proc.stdout!.pause();
        notify();
      });
      if (c.logStdErr) {
        const errDecoder = new TextDecoder(c.charset);
        let errPartial = '';
        proc.stderr!.on('data', (chunk: Buffer) => {
          const lines = (errPartial + errDecoder.decode(chunk, { stream: true })).split('\n');
          errPartial = lines.pop()!;
          for (const line of lines) env.log('info', `${name} stderr: ${line.replace(/\r$/, '')}`);
        });
        proc.stderr!.on('end', () => {
          const rest = errPartial + errDecoder.decode();
          if (rest) env.log('info', `${name} stderr: ${rest}`);
        });
      }
      let spawnError: NodeJS.ErrnoException | undefined;
      proc.on('error', (e) => (spawnError = e));
      proc.on('close', (code, signal) => {
        if (pid !== undefined) liveGroups.delete(pid);
        const rest = partial + decoder.decode();
        if (rest) push(rest); // the last line of a command that ended without a newline
        ended = true;
        exit = { code: spawnError ? null : code, signal, error: spawnError };
        notify();
      });

      const timer = setInterval(() => {
        if (queue.length && Date.now() - oldestAt >= c.batchTimeout) notify();
      }, Math.max(5, Math.min(c.batchTimeout, 1000) / 4));

      // The pump: hands batches on, one put at a time.
      void (async () => {
        let givingUp = false;
        for (;;) {
          const due = queue.length >= c.batchSize || (queue.length > 0 && (ended || Date.now() - oldestAt >= c.batchTimeout));
          if (due && !givingUp) {
            const batch = queue.splice(0, c.batchSize);
            if (queue.length) oldestAt = Date.now();
            if (!(await putBatch(ctx, batch))) givingUp = true;
            if (queue.length < highWater && proc.stdout!.isPaused()) proc.stdout!.resume();
            continue;
          }
          if (givingUp && queue.length) {
            env.log('warn', `${name}: ${queue.length} lines read but not handed on lost at stop (exec cannot replay).`);
            queue.length = 0;
            if (proc.stdout!.isPaused()) proc.stdout!.resume();
          }
          if (ended && queue.length === 0) break;
          await new Promise<void>((r) => (wake = r));
        }
        clearInterval(timer);
        resolve(exit!);
      })();
    });
  }

  /** False when the agent is stopping and the batch could not go on. */
  async function putBatch(ctx: SourceContext, lines: string[]): Promise<boolean> {
    const events: FlumeEvent[] = lines.map((body) => ({ headers: {}, body }));
    counters.AppendBatchReceivedCount++;
    for (;;) {
      try {
        await ctx.put(events);
        counters.EventAcceptedCount += events.length;
        counters.AppendBatchAcceptedCount++;
        return true;
      } catch (e) {
        if (ctx.signal.aborted || !running) {
          env.log('warn', `${name}: ${lines.length} lines lost: the agent stopped before they reached the channel (exec cannot replay).`);
          return false;
        }
        env.log('error', `${name}: handing ${lines.length} lines to the channel failed, retrying in ${PUT_RETRY_MS} ms: ${(e as Error).message}`);
        await sleep(PUT_RETRY_MS, stopping.signal);
      }
    }
  }

  async function supervise(ctx: SourceContext) {
    let fastExits = 0;
    const command = argv.join(' ');
    while (running) {
      const startedAt = Date.now();
      const exit = await runOnce(ctx);
      child = undefined;
      if (!running) return;
      if (exit.error) {
        env.log('error', `${name}: cannot run "${command}": ${exit.error.message}. Check the command and its PATH, or set "shell".`, {
          code: exit.error.code,
        });
      } else {
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        env.log(exit.code === 0 ? 'info' : 'warn', `${name}: "${command}" ${how}.`, { code: exit.code, signal: exit.signal });
      }
      if (!c.restart) {
        env.log('info', `${name}: not restarting the command ("restart" is off); the source stays stopped.`);
        return;
      }
      fastExits = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : fastExits + 1;
      const delay = Math.min(c.restartThrottle * 2 ** (fastExits - 1), Math.max(c.restartThrottle, MAX_BACKOFF_MS));
      env.log('info', `${name}: restarting "${command}" in ${delay} ms.`);
      await sleep(delay, stopping.signal);
      if (!running) return;
      counters.ProcessRestartCount++;
    }
  }

  return {
    start(ctx) {
      running = true;
      loop = supervise(ctx).catch((e) => env.log('error', `${name} failed: ${(e as Error).message}`));
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping.abort();
      const proc = child;
      if (proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
        const pid = proc.pid;
        killGroup(pid, 'SIGTERM');
        const force = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
        proc.once('close', () => clearTimeout(force));
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise((r) => (timer = setTimeout(r, KILL_GRACE_MS + STOP_FLUSH_MS)))]);
      clearTimeout(timer);
    },
  };
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
