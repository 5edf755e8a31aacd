import type { Logger } from "@anomaly-writer/common";
import type { WriterMetrics } from "@anomaly-writer/healthcheck";
import {
  createDurableQueue,
  createQueueSender,
  type DurableQueue,
  type FailureAction,
  type QueueEntry,
  type QueueItem,
  type QueueSender,
} from "@anomaly-writer/queue";
import { type AttemptInfo, TransportError } from "@anomaly-writer/transport";
import { createDeadLetterer, labelsOfEntry } from "./create-dead-letterer.ts";
import { createQueueMetrics } from "./create-queue-metrics.ts";
import { createRecoveryProbe } from "./create-recovery-probe.ts";
import { createReplayGuard } from "./create-replay-guard.ts";
import type { DeliveryQueueOptions, DeliveryTarget } from "./delivery-target.ts";

export interface QueuedDeliveryOptions {
  queue: DeliveryQueueOptions;
  /** Where the queued bodies go: any sink. */
  target: DeliveryTarget;
  metrics: WriterMetrics;
  logger: Logger;
  /** Attempts of one send in a bounded drain (the CLI); the background sender retries forever. */
  drainAttempts: number;
  /** Merge consecutive entries into requests up to this size (mergeable targets only). Default 4 MiB; 0 = one entry per request. */
  maxRequestBytes?: number;
}

/** The durable side of a writer: the queue, its sender and dead letters, in front of any sink. */
export interface QueuedDelivery {
  readonly queue: DurableQueue;
  /** Append to the queue (on disk when it resolves) and update the pending gauges. */
  append(items: readonly QueueItem[]): Promise<void>;
  /** Start sending in the background, retrying until each entry is written. */
  start(): void;
  /** Send what is queued until empty or the target fails; what is left stays queued. */
  drain(): Promise<{ sent: number; remaining: number; remainingBytes: number }>;
  /** True while the target refuses the credentials (sending paused, nothing dropped). */
  readonly credentialsRefused: boolean;
  /** Feed every transport attempt here: connection-level failures arm the replay and the recovery probe. */
  observeAttempt(info: AttemptInfo): void;
  close(): Promise<void>;
}

/** Metadata a queue entry carries (labels of the self-metrics and the counts). */
export interface BatchMeta extends Readonly<Record<string, string | number>> {
  readonly query_key: string;
  readonly scheduler_alias: string;
  readonly preset: string;
  readonly series: number;
  readonly datapoints: number;
  /** The body's wire format (`json`, `prometheus`); entries queued before it existed are `json`. */
  readonly format?: string;
}

const CONNECTION_LEVEL = new Set(["connection_error", "timeout", "io_error", "502", "504"]);

/** The wire format of a queued entry's body (entries queued before formats existed: JSON lines). */
function formatOf(entry: QueueEntry): string {
  return typeof entry.meta.format === "string" ? entry.meta.format : "json";
}

/** One request body of consecutive entries of one format: lines end in a newline, binary bodies join as they are. */
function joinBodies(entries: readonly QueueEntry[], binary: boolean): Buffer {
  if (entries.length === 1) return (entries[0] as QueueEntry).body;
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(e.body);
    if (!binary && e.body.length > 0 && e.body[e.body.length - 1] !== 10) parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

/** Open the queue in `options.queue.path` (locked, every segment checked) and prepare its sender. */
export async function createQueuedDelivery(options: QueuedDeliveryOptions): Promise<QueuedDelivery> {
  const { target, metrics, logger } = options;
  let queueRef: DurableQueue | undefined;
  const counters = createQueueMetrics(metrics, () => queueRef);
  const queue = await createDurableQueue({
    dir: options.queue.path,
    maxBytes: options.queue.maxBytes,
    fsync: options.queue.fsync,
    logger: { warn: (m) => logger.warn(m), info: (m) => logger.info(m), error: (m) => logger.error(m) },
  });
  queueRef = queue;
  const updatePending = () => {
    const stats = queue.stats();
    metrics.setQueuePending(stats.pendingBytes, stats.pendingEntries);
  };
  updatePending();
  const isAlive = () => target.isAlive();
  /** Entries up to this id are replays (for the replayed-datapoints counter). */
  let replayThroughId = -1;
  const readStartTime = target.readStartTime?.bind(target);
  const guard = createReplayGuard({
    queue,
    replayWindowMs: options.queue.replayWindowMs,
    ...(readStartTime !== undefined ? { readStartTime } : {}),
    probeHealth: isAlive,
    logger,
    onRewind: (rewound) => {
      replayThroughId = Math.max(replayThroughId, rewound.throughId);
      updatePending();
    },
  });
  const recovery = createRecoveryProbe({ probe: isAlive, logger });
  const binaryFormats = new Set(target.binaryFormats ?? []);
  const deadLetter = createDeadLetterer({
    file: options.queue.deadLetterFile,
    target: target.target,
    bodyEncoding: target.bodyEncoding,
    bodyEncodingOf: (entry) => (binaryFormats.has(formatOf(entry)) ? "base64" : target.bodyEncoding),
    metrics,
    counter: counters.deadLettered,
    logger,
  });
  const send = async (entries: readonly QueueEntry[], attempts: number, signal: AbortSignal) => {
    const format = formatOf(entries[0] as QueueEntry);
    const body = joinBodies(entries, binaryFormats.has(format));
    const first = labelsOfEntry(target.target, entries[0]?.meta ?? {});
    const context = { query_key: first.query_key, scheduler_alias: first.scheduler_alias, preset: first.preset };
    const bytesSent = await recovery.run((s) => target.send(body, { signal: s, context, attempts, format }), signal);
    guard.noteDelivered();
    let replayedPoints = 0;
    for (const e of entries) {
      const datapoints = Number(e.meta.datapoints ?? 0);
      const bytes = Math.round((bytesSent * e.body.length) / Math.max(1, body.length));
      metrics.recordSuccess(labelsOfEntry(target.target, e.meta), {
        bytes,
        datapoints,
        timeseries: Number(e.meta.series ?? 0),
      });
      if (e.id <= replayThroughId) replayedPoints += datapoints;
    }
    if (replayedPoints > 0) counters.replayed.inc({ url: target.target }, replayedPoints);
  };
  const makeSender = (attempts: number): QueueSender =>
    createQueueSender({
      queue,
      rateLimitBytesPerSecond: options.queue.rateLimitBytesPerSecond,
      maxBatchBytes: target.mergeable ? (options.maxRequestBytes ?? 4 * 1024 * 1024) : 0,
      // A request is one format: entries of different formats are never merged.
      mergeKey: formatOf,
      maxBatchBytesOf: (format) => target.maxBodyBytes?.[format],
      maxInFlight: target.maxInFlight ?? 1,
      send: (entries, signal) => send(entries, attempts, signal),
      beforeSend: () => guard.beforeSend(),
      sentTag: () => guard.tag,
      classify,
      deadLetter,
      onSent: async () => {
        await guard.afterSent();
        updatePending();
      },
      onError: (error, delayMs) =>
        logger.error(
          `the queue sender failed (${(error as Error).message}); trying again in ${(delayMs / 1000).toFixed(1)} s`,
        ),
      onFailure: (entries, error, action, delayMs) => {
        updatePending();
        if (action === "stop") counters.credentialStops.inc({ url: target.target });
        logFailure(
          logger,
          { target: target.target, pending: queue.stats().pendingEntries },
          entries,
          error,
          action,
          delayMs,
        );
      },
    });
  let background: QueueSender | undefined;
  let lastRetryLog = 0;
  return {
    queue,
    async append(items) {
      try {
        await queue.append(items);
      } finally {
        updatePending();
      }
    },
    get credentialsRefused() {
      return background?.credentialsRefused ?? false;
    },
    observeAttempt(info) {
      if (info.ok || info.method !== "POST") return;
      if (info.willRetry && Date.now() - lastRetryLog > 10_000) {
        lastRetryLog = Date.now();
        logger.warn(
          `cannot write to ${target.target} (code ${info.code}); retrying in ${((info.delayMs ?? 0) / 1000).toFixed(1)} s, ${queue.stats().pendingEntries} entries stay queued`,
        );
      }
      // A crash shows as a refused or timed-out connection, or behind a proxy as 502/504. A 503 or
      // 429 is an answer from a live server (overload, shutdown): nothing was lost there.
      if (CONNECTION_LEVEL.has(info.code)) guard.noteOutage();
      recovery.observe(info);
    },
    start() {
      background ??= makeSender(Number.POSITIVE_INFINITY);
      guard.start();
      background.start();
    },
    async drain() {
      const result = await makeSender(options.drainAttempts).drain({ maxFailures: 1 });
      updatePending();
      return { ...result, remainingBytes: queue.stats().pendingBytes };
    },
    async close() {
      await background?.stop();
      recovery.stop();
      await guard.stop();
      updatePending();
      await queue.close();
    },
  };
}

/** What the sender does after a failure: wait and retry, stop for credentials, or dead-letter. */
function classify(error: unknown): FailureAction {
  if (!(error instanceof TransportError)) return "retry";
  if (error.credentialError) return "stop";
  return error.retryable ? "retry" : "dead";
}

/** One log line per failed send of queued entries. */
function logFailure(
  logger: Logger,
  where: { readonly target: string; readonly pending: number },
  entries: readonly QueueEntry[],
  error: unknown,
  action: FailureAction,
  delayMs: number,
): void {
  const message = error instanceof Error ? error.message : String(error);
  const what = entries.length === 1 ? `for ${entries[0]?.meta.query_key}` : `(${entries.length} entries)`;
  if (action === "stop") {
    logger.error(
      `${where.target} refused the credentials: sending is paused, ${where.pending} entries stay queued; retrying in ${Math.round(delayMs / 1000)} s. ${message}`,
    );
  } else if (action === "retry") {
    logger.warn(`cannot write queued data ${what} yet (${message}); retrying in ${(delayMs / 1000).toFixed(1)} s`);
  } else if (entries.length > 1) {
    logger.warn(
      `${where.target} refused a request of ${entries.length} queued entries (${message}): sending them one by one to find the refused one`,
    );
  }
}

/** The queue item of one encoded batch. */
export function toQueueItem(meta: BatchMeta, body: string | Buffer): QueueItem {
  return { meta, body };
}
