import { abortableSleep } from "./abortable-wait.ts";
import type { DurableQueue, QueueEntry } from "./create-durable-queue.ts";
import { QueueError } from "./errors.ts";

/** What to do with entries whose send failed. */
export type FailureAction =
  /** Transient (network, 5xx, 429, timeout): keep them at the head and retry after a backoff. */
  | "retry"
  /** Permanent (400, 409, 413, 415, ...): move the entry to the dead letters and go on (a merged request is first split into single entries). */
  | "dead"
  /** Credentials refused (401/403): keep them, stop sending loudly, try again after a long pause. */
  | "stop";

export interface QueueSenderOptions {
  queue: DurableQueue;
  /** Send consecutive entries as one request; resolve on success, throw on failure. */
  send: (entries: readonly QueueEntry[], signal: AbortSignal) => Promise<void>;
  classify: (error: unknown) => FailureAction;
  /** Called for an entry given up on (permanent failure), before it is marked dead in the queue. */
  deadLetter: (entry: QueueEntry, error: unknown) => Promise<void>;
  /** Merge consecutive entries into one request up to this many queue bytes. Default 0: one entry per request. */
  maxBatchBytes?: number;
  /** Entries are merged only with neighbours of the same key (e.g. the wire format of their bodies). Default: all alike. */
  mergeKey?: (entry: QueueEntry) => string;
  /**
   * A lower cap than maxBatchBytes for the requests of one merge key (e.g. a receiver's own limit
   * for one wire format); undefined for the keys maxBatchBytes alone bounds.
   */
  maxBatchBytesOf?: (key: string) => number | undefined;
  /**
   * Requests sent at once, each of the next entries in order (for a target that takes them in any
   * order, e.g. VictoriaMetrics). They are marked sent in queue order; after a failure the ones
   * behind it are sent again (at least once). Default 1; 1 with a rate limit.
   */
  maxInFlight?: number;
  /** Rate limit of every send (catch-up and replays alike), in queue bytes per second; 0 or undefined = unlimited. */
  rateLimitBytesPerSecond?: number;
  /** Backoff after transient failures: base doubling up to max, with 0-10% jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Pause after a credential refusal before trying again. Default = maxDelayMs. */
  stopPauseMs?: number;
  /** Runs before each request, e.g. to check whether the target restarted and rewind the queue. */
  beforeSend?: (signal: AbortSignal) => Promise<void>;
  /** The mark kept on disk with sent entries (see `DurableQueue.markSent`). Default 0. */
  sentTag?: () => number;
  /** After entries were sent and marked. */
  onSent?: (entries: readonly QueueEntry[]) => void | Promise<void>;
  onFailure?: (entries: readonly QueueEntry[], error: unknown, action: FailureAction, delayMs: number) => void;
  /** An error of the sender itself (e.g. reading the queue failed): the loop backs off, then goes on. */
  onError?: (error: unknown, delayMs: number) => void;
  /** The wait before a retry; it may end early (e.g. when a health probe shows the target is back). Default: sleep. */
  waitToRetry?: (delayMs: number, error: unknown, signal: AbortSignal) => Promise<void>;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface QueueSender {
  /** Start draining in the background (in order, retrying forever). */
  start(): void;
  /**
   * Drain until the queue is empty or `maxFailures` transient failures in a row happened
   * (what is left stays queued). Resolves with the entries sent.
   */
  drain(options?: { maxFailures?: number }): Promise<{ sent: number; remaining: number }>;
  /** Stop after the send in flight (if any) finishes; nothing is dropped. */
  stop(): Promise<void>;
  /** True while sending is paused because the target refused the credentials. */
  readonly credentialsRefused: boolean;
}

type Outcome =
  | { kind: "sent"; entries: number }
  | { kind: "dead" | "split" | "empty" }
  | { kind: "failed"; delayMs: number; error: unknown; entries?: number };

/** The requests of one step: consecutive runs of one key, each up to `maxBytes` (or its key's own cap; one entry at least). */
function requestsOf(
  entries: readonly QueueEntry[],
  mergeKey: ((entry: QueueEntry) => string) | undefined,
  maxBytes: number,
  maxBytesOf: ((key: string) => number | undefined) | undefined,
): QueueEntry[][] {
  const requests: QueueEntry[][] = [];
  let current: QueueEntry[] = [];
  let bytes = 0;
  let key: string | undefined;
  let limit = maxBytes;
  for (const entry of entries) {
    const entryKey = mergeKey?.(entry);
    if (current.length > 0 && (entryKey !== key || bytes + entry.bytes > limit)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    if (current.length === 0) {
      const own = entryKey === undefined ? undefined : maxBytesOf?.(entryKey);
      limit = own === undefined ? maxBytes : Math.min(maxBytes, own);
    }
    current.push(entry);
    bytes += entry.bytes;
    key = entryKey;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** The sender that drains a durable queue into its target, in order, never dropping an entry. */
export function createQueueSender(options: QueueSenderOptions): QueueSender {
  const { queue } = options;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const sleep = options.sleep ?? abortableSleep;
  const waitToRetry = options.waitToRetry ?? ((ms: number, _error: unknown, signal: AbortSignal) => sleep(ms, signal));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const rate = options.rateLimitBytesPerSecond ?? 0;
  // With a rate limit, a request holds at most one second of it, so the limit holds at a fine grain.
  const batchBytes = rate > 0 ? Math.min(options.maxBatchBytes ?? 0, rate) : (options.maxBatchBytes ?? 0);
  const maxInFlight = rate > 0 ? 1 : Math.max(1, Math.floor(options.maxInFlight ?? 1));
  let controller = new AbortController();
  let loop: Promise<void> | undefined;
  let credentialsRefused = false;
  let tokens = rate;
  let refilledAt = now();
  /** After a merged request was refused for good: send this many entries one by one to find the bad one. */
  let singlesLeft = 0;

  const backoff = (failures: number) =>
    Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures, 30)) * (1 + 0.1 * random());

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

  const onFailed = async (entries: readonly QueueEntry[], error: unknown, failures: number): Promise<Outcome> => {
    const action = options.classify(error);
    if (action === "dead") {
      const [entry] = entries;
      if (entries.length > 1 || !entry) {
        singlesLeft = entries.length;
        options.onFailure?.(entries, error, action, 0);
        return { kind: "split" };
      }
      await options.deadLetter(entry, error);
      await queue.markDead(entry);
      options.onFailure?.(entries, error, action, 0);
      return { kind: "dead" };
    }
    const delayMs = action === "stop" ? (options.stopPauseMs ?? maxDelayMs) : backoff(failures);
    credentialsRefused = action === "stop";
    options.onFailure?.(entries, error, action, delayMs);
    return { kind: "failed", delayMs, error };
  };

  /**
   * One step: the next entries (up to maxInFlight requests' worth) as requests merged up to the
   * batch size, sent maxInFlight at a time and marked sent in order; the first failure decides
   * the outcome. Every request of what was read is sent, so entries behind a change of merge key
   * are not read again by the next step.
   */
  const step = async (signal: AbortSignal, failures: number): Promise<Outcome> => {
    await options.beforeSend?.(signal);
    const single = singlesLeft > 0;
    const peeked = await queue.peek(
      single
        ? { maxEntries: 1 }
        : batchBytes > 0
          ? { maxBytes: batchBytes * maxInFlight }
          : { maxEntries: maxInFlight, maxBytes: Number.POSITIVE_INFINITY },
    );
    const requests = requestsOf(peeked, options.mergeKey, single ? 0 : batchBytes, options.maxBatchBytesOf);
    if (requests.length === 0) return { kind: "empty" };
    if (single) singlesLeft--;
    let sent = 0;
    for (let first = 0; first < requests.length; first += maxInFlight) {
      const wave = requests.slice(first, first + maxInFlight);
      await takeTokens(
        wave.reduce((n, entries) => entries.reduce((m, e) => m + e.bytes, n), 0),
        signal,
      );
      const results = await Promise.allSettled(wave.map((entries) => options.send(entries, signal)));
      for (const [i, entries] of wave.entries()) {
        const result = results[i] as PromiseSettledResult<void>;
        if (result.status === "rejected") {
          if (signal.aborted) throw result.reason;
          const outcome = await onFailed(entries, result.reason, failures);
          return outcome.kind === "failed" ? { ...outcome, entries: sent } : outcome;
        }
        credentialsRefused = false;
        await queue.markSent(entries, { sentAt: now(), tag: options.sentTag?.() ?? 0 });
        await options.onSent?.(entries);
        sent += entries.length;
      }
    }
    return { kind: "sent", entries: sent };
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
        let errors = 0;
        while (!signal.aborted) {
          try {
            await queue.waitForEntry(signal);
            const outcome = await step(signal, failures);
            errors = 0;
            if (outcome.kind === "failed") {
              failures++;
              await waitToRetry(outcome.delayMs, outcome.error, signal);
            } else if (outcome.kind !== "split") failures = 0;
          } catch (error) {
            if (signal.aborted || (error instanceof QueueError && error.code === "QUEUE_CLOSED")) return;
            const delayMs = backoff(errors++);
            options.onError?.(error, delayMs);
            await sleep(delayMs, signal).catch(() => undefined);
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
        let outcome: Outcome;
        try {
          outcome = await step(signal, failures);
        } catch (error) {
          if (signal.aborted) break;
          options.onError?.(error, 0);
          failures++;
          continue;
        }
        if (outcome.kind === "empty") break;
        if (outcome.kind === "failed") {
          failures++;
          sent += outcome.entries ?? 0;
          // No wait after the last allowed failure: what is left stays queued for the next run.
          if (failures < maxFailures) await waitToRetry(outcome.delayMs, outcome.error, signal);
        } else if (outcome.kind !== "split") {
          failures = 0;
          if (outcome.kind === "sent") sent += outcome.entries;
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
