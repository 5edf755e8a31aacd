/** Callbacks to run when a condition may have changed. */
export type WaiterSet = Set<() => void>;

/**
 * Resolve once `ready()` is true, re-checked each time the waiters in `waiters` are woken; reject
 * with the signal's reason when it aborts. Its listener and waiter are removed either way, so a
 * long-lived signal collects nothing however many waits it sees.
 */
export function waitUntil(ready: () => boolean, waiters: WaiterSet, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      waiters.delete(check);
      signal?.removeEventListener("abort", onAbort);
    };
    const check = () => {
      if (!ready()) return;
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason);
    };
    waiters.add(check);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wake every waiter (each checks its own condition). */
export function wakeAll(waiters: WaiterSet): void {
  for (const check of [...waiters]) check();
}

/** Sleep `ms`, or reject when `signal` aborts; the abort listener is removed either way. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
