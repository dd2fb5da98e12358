'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Calls `load` now and then `intervalMs` after each answer (never two in flight), while mounted.
 * `intervalMs = null` loads once. Changing `key` restarts the loop and drops stale answers.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number | null, key = '') {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const loadRef = useRef(load);
  const kickRef = useRef<() => void>(() => {});

  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const tick = async () => {
      clearTimeout(timer);
      if (inFlight) return;
      inFlight = true;
      try {
        const next = await loadRef.current();
        if (!cancelled) {
          setData(next);
          setError(null);
        }
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        inFlight = false;
        if (!cancelled && intervalMs !== null) timer = setTimeout(tick, intervalMs);
      }
    };
    kickRef.current = () => void tick();
    void tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [intervalMs, key]);

  const refresh = useCallback(() => kickRef.current(), []);
  return { data, error, refresh, setData };
}
