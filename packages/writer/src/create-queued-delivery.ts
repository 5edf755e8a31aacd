import type { QueueConfig } from "@anomaly-writer/config";
import type { WriterMetricLabels, WriterMetrics } from "@anomaly-writer/healthcheck";
import { appendDeadLetter, createDurableQueue, createQueueSender, type DurableQueue, type FailureAction, type QueueEntry, type QueueItem, type QueueSender } from "@anomaly-writer/queue";
import { TransportError, type AttemptInfo, type Transport } from "@anomaly-writer/transport";
import { createQueueMetrics } from "./create-queue-metrics.ts";
import { createRecoveryProbe } from "./create-recovery-probe.ts";
import { createReplayGuard } from "./create-replay-guard.ts";
import { readTargetStartTime } from "./read-target-start-time.ts";
import type { WriterLogger } from "./writer-logger.ts";

export interface QueuedDeliveryOptions {
  queue: QueueConfig;
  transport: Transport;
  importUrl: string;
  printableUrl: string;
  /** The target's health URL: probed while backing off, and while idle when its start time cannot be read. */
  healthUrl: string;
  /** A VictoriaMetrics single node's `/metrics`, to see restarts (`vm_app_start_timestamp`); none for other targets. */
  metricsUrl?: string;
  /** For the health and `/metrics` checks (not counted as writes); default `transport`. Closed by close() when `ownsProbeTransport`. */
  probeTransport?: Transport;
  ownsProbeTransport?: boolean;
  /** Per-attempt timeout of the checks, in ms. Default 2000. */
  probeTimeoutMs?: number;
  metrics: WriterMetrics;
  logger: WriterLogger;
  /** Attempts of one send in a bounded drain (the CLI); the background sender retries forever. */
  drainAttempts: number;
  /** Merge consecutive entries into requests up to this size (JSON lines only). Default 4 MiB; 0 = one entry per request. */
  maxRequestBytes?: number;
  /** Content type or headers of the requests (JSON lines for vm, protobuf for remote_write). */
  requestOptions: { contentType?: string; headers?: Record<string, string> };
  /** How bodies are kept in the dead-letter file: utf8 (JSON lines, mergeable) or base64 (binary, sent one by one). */
  bodyEncoding: "utf8" | "base64";
}

/** The durable side of the writer: the queue, its sender and dead letters. */
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
}

const CONNECTION_LEVEL = new Set(["connection_error", "timeout", "io_error", "502", "504"]);

/** One request body of consecutive JSON-lines entries. */
function joinBodies(entries: readonly QueueEntry[]): Buffer {
  if (entries.length === 1) return (entries[0] as QueueEntry).body;
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(e.body);
    if (e.body.length > 0 && e.body[e.body.length - 1] !== 10) parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

/** Open the queue in `config.path` (locked, every segment checked) and prepare its sender. */
export async function createQueuedDelivery(options: QueuedDeliveryOptions): Promise<QueuedDelivery> {
  const { transport, importUrl, printableUrl, metrics, logger } = options;
  const probeTransport = options.probeTransport ?? transport;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  let queueRef: DurableQueue | undefined;
  const counters = createQueueMetrics(metrics, () => queueRef);
  const queue = await createDurableQueue({
    dir: options.queue.path,
    maxBytes: options.queue.maxBytes,
    fsync: options.queue.fsync,
    logger: { warn: (m) => logger.warn(m), info: (m) => logger.info(m), error: (m) => logger.error(m) },
  });
  queueRef = queue;
  const labelsOf = (meta: Readonly<Record<string, string | number>>): WriterMetricLabels => ({
    url: printableUrl,
    query_key: String(meta.query_key ?? ""),
    scheduler_alias: String(meta.scheduler_alias ?? ""),
    preset: String(meta.preset ?? ""),
  });
  const updatePending = () => {
    const stats = queue.stats();
    metrics.setQueuePending(stats.pendingBytes, stats.pendingEntries);
  };
  updatePending();
  // Alive when it answers at all (a 404 or 401 too: a Prometheus has no /health), down when the
  // connection fails or a proxy says its upstream is (502/503/504).
  const probeHealth = () =>
    probeTransport.get(options.healthUrl, { timeoutMs: probeTimeoutMs, retry: { attempts: 1 } }).then(
      () => true,
      (error: unknown) => error instanceof TransportError && error.status !== undefined && error.status !== 502 && error.status !== 503 && error.status !== 504,
    );
  const metricsUrl = options.metricsUrl;
  /** Entries up to this id are replays (for the replayed-datapoints counter). */
  let replayThroughId = -1;
  const guard = createReplayGuard({
    queue,
    replayWindowMs: options.queue.replayWindowMs,
    ...(metricsUrl !== undefined ? { readStartTime: () => readTargetStartTime(probeTransport, metricsUrl, probeTimeoutMs) } : {}),
    probeHealth,
    logger,
    onRewind: (rewound) => {
      replayThroughId = Math.max(replayThroughId, rewound.throughId);
      updatePending();
    },
  });
  const recovery = createRecoveryProbe({ probe: probeHealth, logger });
  const classify = (error: unknown): FailureAction => {
    if (!(error instanceof TransportError)) return "retry";
    if (error.credentialError) return "stop";
    return error.retryable ? "retry" : "dead";
  };
  const deadLetter = async (entry: QueueEntry, error: unknown) => {
    const te = error instanceof TransportError ? error : undefined;
    const datapoints = Number(entry.meta.datapoints ?? 0);
    await appendDeadLetter(options.queue.deadLetterFile, {
      time: new Date().toISOString(),
      reason: error instanceof Error ? error.message : String(error),
      code: te?.outcome ?? "io_error",
      meta: entry.meta,
      body: entry.body.toString(options.bodyEncoding),
      ...(options.bodyEncoding === "base64" ? { bodyEncoding: "base64" } : {}),
    });
    counters.deadLettered.inc({ url: printableUrl }, datapoints);
    metrics.recordDropped("permanent_error", datapoints, labelsOf(entry.meta));
    logger.error(
      `VictoriaMetrics refused ${datapoints} datapoints for ${entry.meta.query_key} for good (code ${te?.outcome ?? "io_error"}): moved to the dead-letter file ${options.queue.deadLetterFile}`,
    );
  };
  const send = async (entries: readonly QueueEntry[], attempts: number, signal: AbortSignal) => {
    const body = joinBodies(entries);
    const first = labelsOf(entries[0]?.meta ?? {});
    const context = { query_key: first.query_key, scheduler_alias: first.scheduler_alias, preset: first.preset };
    const response = await recovery.run((s) => transport.post(importUrl, body, { ...options.requestOptions, signal: s, context, retry: { attempts } }), signal);
    guard.noteDelivered();
    let replayedPoints = 0;
    for (const e of entries) {
      const datapoints = Number(e.meta.datapoints ?? 0);
      metrics.recordSuccess(labelsOf(e.meta), { bytes: Math.round((response.bytesSent * e.body.length) / Math.max(1, body.length)), datapoints, timeseries: Number(e.meta.series ?? 0) });
      if (e.id <= replayThroughId) replayedPoints += datapoints;
    }
    if (replayedPoints > 0) counters.replayed.inc({ url: printableUrl }, replayedPoints);
  };
  const makeSender = (attempts: number): QueueSender =>
    createQueueSender({
      queue,
      rateLimitBytesPerSecond: options.queue.rateLimitBytesPerSecond,
      maxBatchBytes: options.bodyEncoding === "utf8" ? (options.maxRequestBytes ?? 4 * 1024 * 1024) : 0,
      send: (entries, signal) => send(entries, attempts, signal),
      beforeSend: () => guard.beforeSend(),
      sentTag: () => guard.tag,
      classify,
      deadLetter,
      onSent: async () => {
        await guard.afterSent();
        updatePending();
      },
      onError: (error, delayMs) => logger.error(`the queue sender failed (${(error as Error).message}); trying again in ${(delayMs / 1000).toFixed(1)} s`),
      onFailure: (entries, error, action, delayMs) => {
        updatePending();
        const message = error instanceof Error ? error.message : String(error);
        const what = entries.length === 1 ? `for ${entries[0]?.meta.query_key}` : `(${entries.length} entries)`;
        if (action === "stop") {
          counters.credentialStops.inc({ url: printableUrl });
          logger.error(`${printableUrl} refused the credentials: sending is paused, ${queue.stats().pendingEntries} entries stay queued; retrying in ${Math.round(delayMs / 1000)} s. ${message}`);
        } else if (action === "retry") {
          logger.warn(`cannot write queued data ${what} yet (${message}); retrying in ${(delayMs / 1000).toFixed(1)} s`);
        } else if (entries.length > 1) {
          logger.warn(`VictoriaMetrics refused a request of ${entries.length} queued entries (${message}): sending them one by one to find the refused one`);
        }
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
        logger.warn(`cannot write to ${printableUrl} (code ${info.code}); retrying in ${((info.delayMs ?? 0) / 1000).toFixed(1)} s, ${queue.stats().pendingEntries} entries stay queued`);
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
      if (options.ownsProbeTransport) await probeTransport.close();
    },
  };
}

/** The queue item of one encoded batch. */
export function toQueueItem(meta: BatchMeta, body: string | Buffer): QueueItem {
  return { meta, body };
}
