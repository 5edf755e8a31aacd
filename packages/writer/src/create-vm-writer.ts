import { RememberedSet } from "@anomaly-writer/common";
import type { ResolvedConfig } from "@anomaly-writer/config";
import { createQueuedDelivery, type QueuedDelivery } from "@anomaly-writer/delivery";
import { createWriterMetrics, type ProbeResult, type WriterMetrics } from "@anomaly-writer/healthcheck";
import {
  createPrometheusTextEncoder,
  createRecordEncoder,
  createRemoteWriteEncoder,
  type ResolvedRecordLimits,
} from "@anomaly-writer/metric-format";
import { createTenancyChecker } from "@anomaly-writer/tenancy";
import type { Transport } from "@anomaly-writer/transport";
import type { WriteProgress } from "./create-batch-sender.ts";
import { createBodyBufferPool } from "./create-body-buffer-pool.ts";
import { createLimitsSource } from "./create-limits-source.ts";
import { createLogLimiter, type LogLimiterOptions } from "./create-log-limiter.ts";
import { WriterError } from "./errors.ts";
import { createSink } from "./sinks/create-sink.ts";
import type { Sink } from "./sinks/sink.ts";
import { type WriteOptions, type WritePipeline, writeRecords } from "./write-records.ts";
import type { WriteResult } from "./write-result.ts";
import { silentLogger, type WriterLogger } from "./writer-logger.ts";

/**
 * From this many timestamps per record, its series go as remote-write protobuf: below it,
 * VictoriaMetrics' higher cost per remote-write series outweighs what it saves per point, and
 * JSON lines are cheaper (crossover measured at about 4 points for VictoriaMetrics and about 8
 * for us, bench/ANALYSIS.md).
 */
const REMOTE_WRITE_MIN_POINTS = 8;

export interface CreateVmWriterOptions {
  logger?: WriterLogger;
  /** Self-monitoring metrics; default a new registry. */
  metrics?: WriterMetrics;
  /** A transport to use instead of one made from the config (it is not closed by close()). */
  transport?: Transport;
  /** Upper bound of one request body, uncompressed. Default `writer.batch_max_bytes` (4 MiB). */
  maxRequestBytes?: number;
  /** Requests in flight at once. Default 4 (remote_write: 1). */
  maxInFlight?: number;
  /** gzip request bodies (level 1). Default false. */
  gzip?: boolean;
  /** Called after each request completes. */
  onProgress?: (progress: WriteProgress) => void;
  /**
   * With `writer.queue`: send queued data in the background, retrying until written (default
   * true, for `serve`). False for one-shot runs that call `drainQueue()` themselves.
   */
  backgroundSender?: boolean;
  /** With `writer.queue`: how long a streaming write waits for room in a full queue. Default 30 s. */
  queueFullWaitMs?: number;
  /** Wall clock (Unix milliseconds) that timestamps are checked against. Default `Date.now`. */
  now?: () => number;
  /** Repeated warnings: one line per kind per interval (default 10 s), with a count of those left out. */
  logRateLimit?: LogLimiterOptions;
}

/** The writer: validates, formats, checks tenancy, batches and sends model outputs to its sink. */
export interface VmWriter {
  /** Where it writes (credentials redacted): the import URL, `file://path`, or undefined for `class: noop`. */
  readonly importUrl: string | undefined;
  readonly healthUrl: string | undefined;
  /** The writer class in use. */
  readonly kind: Sink["kind"];
  /** True with `writer.queue`: writes go to the durable queue, `drainQueue()` or the background sender sends them. */
  readonly queued: boolean;
  readonly metrics: WriterMetrics;
  /**
   * Write records: raw objects (spec §2) or positioned ones from `readJsonLines`. Bad records are
   * reported with their position and never stop good ones.
   */
  write(records: Iterable<unknown> | AsyncIterable<unknown>, options?: WriteOptions): Promise<WriteResult>;
  /** Resolves once the writer is ready (the sink loaded, the durable queue opened); rejects if it cannot be. */
  ready(): Promise<void>;
  /** With `writer.queue` and no background sender: send what is queued until it is empty or the target fails; the rest stays queued. */
  drainQueue(): Promise<{ readonly sent: number; readonly remaining: number; readonly remainingBytes: number }>;
  /** Entries and bytes waiting in the durable queue (zero without one). */
  queueStats(): { readonly pendingEntries: number; readonly pendingBytes: number };
  /** For `/health`: ok once the durable queue (if any) is open, not ok with the reason while it is not. */
  health(): Promise<{ readonly ok: boolean; readonly detail: string }>;
  /** Probe the health path and the import URL (an empty import request); reads the server's limits again. */
  probe(): Promise<{ readonly health: ProbeResult; readonly write: ProbeResult }>;
  /** What is refused before sending, and where each limit comes from (`writer.limits`, the server's `/flags`, defaults). */
  describeLimits(): string;
  /** The limits records are checked against now. */
  recordLimits(): ResolvedRecordLimits;
  close(): Promise<void>;
}

/** Create a writer from a parsed config (`@anomaly-writer/config`): the sink of `writer.class`, behind the durable queue when configured. */
export function createVmWriter(config: ResolvedConfig, options: CreateVmWriterOptions = {}): VmWriter {
  const writerConfig = config.writer;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? createWriterMetrics({ labelBounds: { knownQueryKeys: config.queryKeys ?? [] } });
  const maxRequestBytes = options.maxRequestBytes ?? writerConfig.batchMaxBytes;
  let delivery: QueuedDelivery | undefined;
  const sink = createSink(writerConfig, {
    maxInFlight: Math.max(1, options.maxInFlight ?? 4),
    onAttempt: (info) => {
      metrics.onAttempt(info);
      delivery?.observeAttempt(info);
    },
    ...(options.transport !== undefined ? { transport: options.transport } : {}),
    ...(options.gzip ? { gzip: true } : {}),
  });
  // What VictoriaMetrics would drop or change is refused before encoding (writer.limits, else the server's /flags, else its defaults).
  const readLimits = sink.readServerLimits?.bind(sink);
  const limits = createLimitsSource({
    metricFormat: writerConfig.metricFormat,
    configured: writerConfig.limits,
    logger,
    ...(readLimits && sink.flagsUrl
      ? { read: () => readLimits(Math.min(writerConfig.timeoutMs, 5000)), flagsUrl: sink.flagsUrl }
      : {}),
  });
  const limitsRead = limits.refresh();
  // noop writes nothing, so it queues nothing either.
  const queueConfig = sink.kind === "noop" ? undefined : writerConfig.queue;
  const ready = sink.ready().then(async () => {
    if (!queueConfig) return;
    delivery = await createQueuedDelivery({
      queue: queueConfig,
      target: sink,
      metrics,
      logger,
      drainAttempts: writerConfig.connectionRetryAttempts + 1,
      maxRequestBytes,
    });
    if (options.backgroundSender !== false) delivery.start();
  });
  let startFailure: string | undefined;
  ready.catch((error: unknown) => {
    startFailure = error instanceof Error ? error.message : String(error);
  });
  const pipeline = (): WritePipeline => ({
    sink,
    delivery,
    metrics,
    logger,
    limiter,
    encoder,
    textEncoder,
    remoteWriteEncoder,
    remoteWriteMinPoints: REMOTE_WRITE_MIN_POINTS,
    metricFormat: writerConfig.metricFormat,
    tenancy,
    tenantSensitive:
      writerConfig.tenantId === "multitenant" ||
      ["vm_account_id", "vm_project_id"].some((k) => Object.hasOwn(writerConfig.metricFormat, k)),
    knownQueryKeys: config.queryKeys ? new Set(config.queryKeys) : undefined,
    warnedQueryKeys,
    bodies,
    maxRequestBytes,
    maxRequestSeries: writerConfig.batchMaxSeries,
    queueFullWaitMs: options.queueFullWaitMs ?? 30_000,
    queueMaxBytes: queueConfig?.maxBytes,
    now: options.now ?? (() => Date.now()),
    onProgress: options.onProgress,
  });
  const limiter = createLogLimiter(logger, options.logRateLimit);
  const encoder = createRecordEncoder({
    metricFormat: writerConfig.metricFormat,
    // No line may be larger than a request, so a long series is split to fit.
    maxLineBytes: Math.min(1024 * 1024, maxRequestBytes),
    labelCacheSize: writerConfig.metricPrefixCacheMaxEntries,
  });
  // Single-point series as Prometheus text, where the sink takes it (vm, wire_format auto).
  const textEncoder = sink.takesPrometheusText
    ? createPrometheusTextEncoder({
        metricFormat: writerConfig.metricFormat,
        maxLineBytes: Math.min(1024 * 1024, maxRequestBytes),
      })
    : undefined;
  // Series of many points as remote-write protobuf, where the sink takes it (vm, wire_format auto).
  const remoteWriteEncoder = sink.takesRemoteWrite
    ? createRemoteWriteEncoder({
        metricFormat: writerConfig.metricFormat,
        maxLineBytes: Math.min(1024 * 1024, maxRequestBytes),
      })
    : undefined;
  const tenancy =
    sink.kind === "vm" || sink.kind === "remote_write"
      ? createTenancyChecker({
          ...(writerConfig.tenantId !== undefined ? { tenantId: writerConfig.tenantId } : {}),
          onWarning: (warning) => limiter.log("warn", "tenancy", warning.message),
        })
      : undefined;
  const warnedQueryKeys = new RememberedSet(10_000);
  const bodies = createBodyBufferPool(maxRequestBytes, sink.maxInFlight + 2);
  let closed = false;
  let current: WritePipeline | undefined;

  return {
    importUrl: sink.kind === "noop" ? undefined : (sink.importUrl ?? sink.target),
    healthUrl: sink.healthUrl,
    kind: sink.kind,
    queued: queueConfig !== undefined,
    metrics,
    async write(records, writeOptions) {
      if (closed) throw new WriterError("WRITER_CLOSED", "write() after close()");
      await ready;
      await limitsRead;
      limits.refreshIfStale();
      current ??= pipeline();
      return writeRecords(records, current, limits.guard(), writeOptions);
    },
    ready: () => ready,
    async drainQueue() {
      await ready;
      return delivery ? delivery.drain() : { sent: 0, remaining: 0, remainingBytes: 0 };
    },
    queueStats() {
      const stats = delivery?.queue.stats();
      return { pendingEntries: stats?.pendingEntries ?? 0, pendingBytes: stats?.pendingBytes ?? 0 };
    },
    async health() {
      if (closed) return { ok: false, detail: "closed" };
      if (startFailure !== undefined) return { ok: false, detail: `the durable queue is not open: ${startFailure}` };
      if (queueConfig && !delivery) return { ok: false, detail: "the durable queue is opening" };
      return { ok: true, detail: "OK" };
    },
    async probe() {
      const [answer] = await Promise.all([sink.probe(), limits.refresh()]);
      return answer;
    },
    describeLimits: () => limits.describe(),
    recordLimits: () => limits.guard().limits,
    async close() {
      if (closed) return;
      closed = true;
      limits.stop();
      await ready.catch(() => undefined);
      await delivery?.close();
      await sink.close();
    },
  };
}
