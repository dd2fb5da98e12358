'use client';

import { useEffect, useRef, useState } from 'react';
import { api } from '@/components/api/client';

const minGapMs = 1000;
/** Windows slide and SSE can drop: refresh this often even without change notices. */
const fallbackMs = 15_000;

/**
 * Listens to the pipeline's change notices (SSE) and turns them into a `refreshKey` that
 * increases at most once per second: a burst of batches costs one refetch, the last one is never lost.
 */
export function useLiveRefresh(pipelineId: string) {
  const [refreshKey, setRefreshKey] = useState(0);
  const [connected, setConnected] = useState(false);
  const last = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const bump = () => {
      pending.current = undefined;
      last.current = Date.now();
      setRefreshKey((k) => k + 1);
    };
    const request = () => {
      if (pending.current) return;
      const wait = last.current + minGapMs - Date.now();
      if (wait <= 0) bump();
      else pending.current = setTimeout(bump, wait);
    };

    const source = new EventSource(api.liveUrl(pipelineId));
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    source.addEventListener('change', request);
    const fallback = setInterval(request, fallbackMs);

    return () => {
      source.close();
      clearInterval(fallback);
      clearTimeout(pending.current);
      pending.current = undefined;
    };
  }, [pipelineId]);

  return { refreshKey, connected };
}
