/**
 * Starts the engine with the server, so deployed pipelines are running (and the demo pipeline
 * exists) before the first request, as a newcomer expects after `npm start`.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { getWeir } = await import('./engine/runtime/weir');
  getWeir().then(
    (w) => console.log(`[weir] engine ready: bus=${w.bus.kind} store=${w.store.kind}`),
    (e) => console.error(`[weir] engine failed to start: ${(e as Error).message}`),
  );
}
