import type { DurableQueue, QueueEntry } from "./create-durable-queue.ts";

/** What to do with an entry whose send failed. */
export type FailureAction =
  /** Transient (network, 5xx, 429, timeout): keep it at the head and retry after a backoff. */
  | "retry"
  /** Permanent (400, 409, 413, 415, ...): move it to the dead letters and go on. */
  | "dead"
  /** Credentials refused (401/403): keep it, stop sending loudly, try again after a long pause. */
  | "stop";

export interface QueueSenderOptions {
  queue: DurableQueue;
  /** Send one entry; resolve on success, throw on failure. */
  send: (entry: QueueEntry, signal: AbortSignal) => Promise<void>;
  classify: (error: unknown) => FailureAction;
  /** Called for entries given up on (permanent failure), before they are removed from the queue. */
  deadLetter: (entry: QueueEntry, error: unknown) => Promise<void>;
  /** Catch-up rate limit in bytes per second (queue bytes); 0 or undefined = unlimited. */
  rateLimitBytesPerSecond?: number;
  /** Backoff after transient failures: base doubling up to max, with 0-10% jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Pause after a credential refusal before trying again. Default = maxDelayMs. */
  stopPauseMs?: number;
  onSent?: (entry: QueueEntry) => void;
  onFailure?: (entry: QueueEntry, error: unknown, action: FailureAction, delayMs: number) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface QueueSender {
  /** Start draining in the background (in order, one entry at a time, retrying forever). */
  start(): void;
  /**
   * Drain until the queue is empty or `maxFailures` transient failures in a row happened
   * (what is left stays queued). Resolves with what was sent.
   */
  drain(options?: { maxFailures?: number }): Promise<{ sent: number; remaining: number }>;
  /** Stop after the send in flight (if any) finishes; nothing is dropped. */
  stop(): Promise<void>;
  /** True while sending is paused because the target refused the credentials. */
  readonly credentialsRefused: boolean;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** The sender that drains a durable queue into its target, in order, never dropping an entry. */
export function createQueueSender(options: QueueSenderOptions): QueueSender {
  const { queue } = options;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const rate = options.rateLimitBytesPerSecond ?? 0;
  let controller = new AbortController();
  let loop: Promise<void> | undefined;
  let credentialsRefused = false;
  let tokens = rate;
  let refilledAt = now();

  const takeTokens = async (bytes: number, signal: AbortSignal) => {
    if (rate <= 0) return;
    for (;;) {
      const t = now();
      tokens = Math.min(Math.max(rate, bytes), tokens + ((t - refilledAt) / 1000) * rate);
      refilledAt = t;
      if (tokens >= bytes) {
        tokens -= bytes;
        return;
      }
      await sleep(Math.ceil(((bytes - tokens) / rate) * 1000), signal);
    }
  };

  /** One step: send the head entry. Returns the outcome. */
  const step = async (signal: AbortSignal, failures: number): Promise<"sent" | "dead" | "failed" | "empty"> => {
    const entry = await queue.peek();
    if (!entry) return "empty";
    await takeTokens(entry.bytes, signal);
    try {
      await options.send(entry, signal);
      credentialsRefused = false;
      await queue.ack();
      options.onSent?.(entry);
      return "sent";
    } catch (error) {
      if (signal.aborted) throw error;
      const action = options.classify(error);
      if (action === "dead") {
        await options.deadLetter(entry, error);
        await queue.ack();
        options.onFailure?.(entry, error, action, 0);
        return "dead";
      }
      const delay =
        action === "stop"
          ? (options.stopPauseMs ?? maxDelayMs)
          : Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures, 30)) * (1 + 0.1 * random());
      credentialsRefused = action === "stop";
      options.onFailure?.(entry, error, action, delay);
      await sleep(delay, signal);
      return "failed";
    }
  };

  return {
    get credentialsRefused() {
      return credentialsRefused;
    },
    start() {
      if (loop) return;
      controller = new AbortController();
      const { signal } = controller;
      loop = (async () => {
        let failures = 0;
        while (!signal.aborted) {
          try {
            await queue.waitForEntry(signal);
            const outcome = await step(signal, failures);
            failures = outcome === "failed" ? failures + 1 : 0;
            if (outcome === "empty") await new Promise((r) => setImmediate(r));
          } catch {
            if (signal.aborted) return;
          }
        }
      })();
    },
    async drain(drainOptions = {}) {
      const maxFailures = drainOptions.maxFailures ?? 3;
      const { signal } = controller;
      let sent = 0;
      let failures = 0;
      while (!signal.aborted && failures < maxFailures) {
        const outcome = await step(signal, failures).catch(() => "failed" as const);
        if (outcome === "empty") break;
        if (outcome === "failed") failures++;
        else {
          failures = 0;
          if (outcome === "sent") sent++;
        }
      }
      return { sent, remaining: queue.stats().pendingEntries };
    },
    async stop() {
      controller.abort(new Error("sender stopped"));
      await loop;
      loop = undefined;
    },
  };
}
