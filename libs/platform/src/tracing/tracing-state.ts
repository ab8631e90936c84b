/** Whether this process started tracing (set by `startTracing`); lets hot paths skip tracing-only work. */
let active = false;
let shutdownHook: (() => Promise<void>) | null = null;

export function markTracingActive(shutdown: () => Promise<void>): void {
  active = true;
  shutdownHook = shutdown;
}

export function tracingActive(): boolean {
  return active;
}

/** Exports the spans still buffered and stops tracing (graceful shutdown); a no-op when off. */
export async function shutdownTracing(): Promise<void> {
  const hook = shutdownHook;
  shutdownHook = null;
  await hook?.().catch(() => undefined);
}
