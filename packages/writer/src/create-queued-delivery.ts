import type { QueueConfig } from "@anomaly-writer/config";
import type { WriterMetricLabels, WriterMetrics } from "@anomaly-writer/healthcheck";
import { appendDeadLetter, createDurableQueue, createQueueSender, type DurableQueue, type FailureAction, type QueueEntry, type QueueItem, type QueueSender } from "@anomaly-writer/queue";
import { TransportError, type AttemptInfo, type Transport } from "@anomaly-writer/transport";
import { Counter, Gauge } from "prom-client";
import type { WriterLogger } from "./writer-logger.ts";

export interface QueuedDeliveryOptions {
  queue: QueueConfig;
  transport: Transport;
  importUrl: string;
  printableUrl: string;
  metrics: WriterMetrics;
  logger: WriterLogger;
  /** Attempts of one send in a bounded drain (the CLI); the background sender retries forever. */
  drainAttempts: number;
  /** Content type or headers of the requests (JSON lines for vm, protobuf for remote_write). */
  requestOptions: { contentType?: string; headers?: Record<string, string> };
  /** How bodies are kept in the dead-letter file: utf8 (JSON lines) or base64 (binary). */
  bodyEncoding: "utf8" | "base64";
}

/** The durable side of the writer: the queue, its sender and dead letters. */
export interface QueuedDelivery {
  readonly queue: DurableQueue;
  /** Append to the queue (on disk when it resolves) and update the pending gauges. */
  append(items: readonly QueueItem[]): Promise<void>;
  /** Start sending in the background, retrying until each entry is written. */
  start(): void;
  /** Send what is queued until empty or the target keeps failing; what is left stays queued. */
  drain(): Promise<{ sent: number; remaining: number; remainingBytes: number }>;
  /** True while the target refuses the credentials (sending paused, nothing dropped). */
  readonly credentialsRefused: boolean;
  /** Feed every transport attempt here: connection-level failures arm the replay window. */
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

function counters(metrics: WriterMetrics, queue: () => DurableQueue | undefined) {
  const registry = metrics.registry;
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const deadLettered =
    existing<Counter<"url">>("anomaly_writer_dead_letter_datapoints_total") ??
    new Counter({ name: "anomaly_writer_dead_letter_datapoints_total", help: "Datapoints moved to the dead-letter file after a permanent refusal.", labelNames: ["url"], registers: [registry] });
  const credentialStops =
    existing<Counter<"url">>("anomaly_writer_queue_credential_stops_total") ??
    new Counter({ name: "anomaly_writer_queue_credential_stops_total", help: "Times the queue sender paused because the target refused the credentials (401/403).", labelNames: ["url"], registers: [registry] });
  if (!existing("anomaly_writer_queue_oldest_entry_age_seconds")) {
    new Gauge({
      name: "anomaly_writer_queue_oldest_entry_age_seconds",
      help: "Age of the oldest entry waiting in the durable queue (0 when empty).",
      registers: [registry],
      collect() {
        const oldest = queue()?.stats().oldestEnqueuedAt;
        this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
  }
  const replayed =
    existing<Counter<"url">>("anomaly_writer_queue_replayed_datapoints_total") ??
    new Counter({ name: "anomaly_writer_queue_replayed_datapoints_total", help: "Datapoints sent again after an outage because the target may have lost them (replay window).", labelNames: ["url"], registers: [registry] });
  return { deadLettered, credentialStops, replayed };
}

/** Open the queue in `config.path` and prepare its sender. */
export async function createQueuedDelivery(options: QueuedDeliveryOptions): Promise<QueuedDelivery> {
  const { transport, importUrl, printableUrl, metrics, logger } = options;
  let queueRef: DurableQueue | undefined;
  const { deadLettered, credentialStops, replayed } = counters(metrics, () => queueRef);
  // Entries sent recently, kept in memory for the replay window (bounded in bytes).
  const replayWindowMs = options.queue.replayWindowMs;
  const maxReplayBytes = 64 * 1024 * 1024;
  const recent: { body: Buffer; meta: QueueEntry["meta"]; sentAt: number }[] = [];
  let recentBytes = 0;
  let outageSince: number | undefined;
  let replaying = false;
  const post = (body: Buffer, meta: QueueEntry["meta"], attempts: number, signal: AbortSignal) => {
    const labels = labelsOf(meta);
    return transport
      .post(importUrl, body, {
        ...options.requestOptions,
        signal,
        context: { query_key: labels.query_key, scheduler_alias: labels.scheduler_alias, preset: labels.preset },
        retry: { attempts },
      })
      .then((response) => {
        metrics.recordSuccess(labels, { bytes: response.bytesSent, datapoints: Number(meta.datapoints ?? 0), timeseries: Number(meta.series ?? 0) });
      });
  };
  const remember = (body: Buffer, meta: QueueEntry["meta"]) => {
    if (replayWindowMs <= 0) return;
    const now = Date.now();
    recent.push({ body, meta, sentAt: now });
    recentBytes += body.length;
    while (recent.length > 0 && ((recent[0]?.sentAt ?? now) < now - replayWindowMs || recentBytes > maxReplayBytes)) {
      recentBytes -= recent.shift()?.body.length ?? 0;
    }
  };
  /** After an outage: send again what was sent in the window before it (VictoriaMetrics may have lost it). */
  const replay = async (attempts: number, signal: AbortSignal) => {
    if (outageSince === undefined) return;
    const cutoff = outageSince - replayWindowMs;
    outageSince = undefined;
    const again = recent.filter((r) => r.sentAt >= cutoff);
    // Each entry is replayed at most once: the window starts afresh after a replay, so bursts of
    // errors cannot make replays feed on themselves.
    recent.length = 0;
    recentBytes = 0;
    if (again.length === 0) return;
    let datapoints = 0;
    replaying = true;
    try {
      for (const r of again) {
        try {
          await post(r.body, r.meta, attempts, signal);
          datapoints += Number(r.meta.datapoints ?? 0);
        } catch (error) {
          // It was delivered once already: a refusal now loses nothing, so log and go on.
          if (signal.aborted) throw error;
          logger.warn(`replaying an entry for ${r.meta.query_key} failed (${error instanceof Error ? error.message : String(error)}); it had been written before the outage`);
        }
      }
    } finally {
      replaying = false;
    }
    replayed.inc({ url: printableUrl }, datapoints);
    logger.info(`target is back: sent again ${again.length} entries (${datapoints} datapoints) written in the ${replayWindowMs / 1000} s before the outage, in case VictoriaMetrics lost them`);
  };
  const queue = await createDurableQueue({
    dir: options.queue.path,
    maxBytes: options.queue.maxBytes,
    fsync: options.queue.fsync,
    logger: { warn: (m) => logger.warn(m), info: (m) => logger.info(m) },
  });
  queueRef = queue;
  const updatePending = () => {
    const stats = queue.stats();
    metrics.setQueuePending(stats.pendingBytes, stats.pendingEntries);
  };
  updatePending();
  const labelsOf = (meta: Readonly<Record<string, string | number>>): WriterMetricLabels => ({
    url: printableUrl,
    query_key: String(meta.query_key ?? ""),
    scheduler_alias: String(meta.scheduler_alias ?? ""),
    preset: String(meta.preset ?? ""),
  });
  const classify = (error: unknown): FailureAction => {
    if (!(error instanceof TransportError)) return "retry";
    if (error.credentialError) return "stop";
    return error.retryable ? "retry" : "dead";
  };
  const makeSender = (attempts: number): QueueSender =>
    createQueueSender({
      queue,
      rateLimitBytesPerSecond: options.queue.rateLimitBytesPerSecond,
      send: async (entry: QueueEntry, signal) => {
        await post(entry.body, entry.meta, attempts, signal);
        await replay(attempts, signal);
        remember(Buffer.from(entry.body), entry.meta);
      },
      classify,
      deadLetter: async (entry, error) => {
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
        deadLettered.inc({ url: printableUrl }, datapoints);
        metrics.recordDropped("permanent_error", datapoints, labelsOf(entry.meta));
        logger.error(
          `VictoriaMetrics refused ${datapoints} datapoints for ${entry.meta.query_key} for good (code ${te?.outcome ?? "io_error"}): moved to the dead-letter file ${options.queue.deadLetterFile}`,
        );
      },
      onSent: updatePending,
      onFailure: (entry, error, action, delayMs) => {
        updatePending();
        const message = error instanceof Error ? error.message : String(error);
        if (action === "stop") {
          credentialStops.inc({ url: printableUrl });
          logger.error(
            `${printableUrl} refused the credentials: sending is paused, ${queue.stats().pendingEntries} entries stay queued; retrying in ${Math.round(delayMs / 1000)} s. ${message}`,
          );
        } else if (action === "retry") {
          logger.warn(`cannot write queued data for ${entry.meta.query_key} yet (${message}); retrying in ${(delayMs / 1000).toFixed(1)} s`);
        } else {
          updatePending();
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
      if (info.ok) return;
      if (info.willRetry && Date.now() - lastRetryLog > 10_000) {
        lastRetryLog = Date.now();
        logger.warn(
          `cannot write to ${printableUrl} (code ${info.code}); retrying in ${((info.delayMs ?? 0) / 1000).toFixed(1)} s, ${queue.stats().pendingEntries} entries stay queued`,
        );
      }
      if (replayWindowMs <= 0 || replaying) return;
      // A crash shows as a refused or timed-out connection, or behind a proxy as 502/504. A 503 or
      // 429 is an answer from a live server (overload, shutdown): nothing was lost, no replay.
      const connectionLevel = info.code === "connection_error" || info.code === "timeout" || info.code === "io_error" || info.code === "502" || info.code === "504";
      if (connectionLevel) outageSince ??= Date.now();
    },
    start() {
      background ??= makeSender(Number.POSITIVE_INFINITY);
      background.start();
    },
    async drain() {
      const result = await makeSender(options.drainAttempts).drain({ maxFailures: 1 });
      updatePending();
      return { ...result, remainingBytes: queue.stats().pendingBytes };
    },
    async close() {
      await background?.stop();
      updatePending();
      await queue.close();
    },
  };
}

/** The queue item of one encoded batch. */
export function toQueueItem(meta: BatchMeta, body: string | Buffer): QueueItem {
  return { meta, body };
}
