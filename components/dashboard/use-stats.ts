'use client';

import { useEffect, useRef, useState } from 'react';

/**
 * Runs `load` whenever `query` (a string naming what is asked) or `refreshKey` changes. The last
 * answer stays on screen while the next one loads, so live updates do not flicker; answers to an
 * outdated query are dropped.
 */
export function useStats<T>(load: () => Promise<T>, query: string, refreshKey: number) {
  const [result, setResult] = useState<{ data: T | null; error: Error | null; at: number | null }>({ data: null, error: null, at: null });
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let current = true;
    loadRef.current().then(
      (data) => current && setResult({ data, error: null, at: Date.now() }),
      (e: unknown) => current && setResult((r) => ({ ...r, error: e instanceof Error ? e : new Error(String(e)) })),
    );
    return () => {
      current = false;
    };
  }, [query, refreshKey]);

  return result;
}
