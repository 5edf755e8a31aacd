import type { ResolvedConfig } from "@anomaly-writer/config";
import { createWriterMetrics, probeHealth, probeWrite, type ProbeResult, type WriterMetricLabels, type WriterMetrics } from "@anomaly-writer/healthcheck";
import { createRotatingFileWriter } from "@anomaly-writer/file-sink";
import { createRecordEncoder, formatRecord, RecordError, safeParseRecord, type EncodedRecord, type FormattedSeries, type ModelOutputRecord, type RecordIssue, type ResolvedRecordLimits } from "@anomaly-writer/metric-format";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from "@anomaly-writer/remote-write";
import { QueueError } from "@anomaly-writer/queue";
import { createTenancyChecker } from "@anomaly-writer/tenancy";
import { hashLabelSet, RememberedSet } from "@anomaly-writer/common";
import { createTransport, redactUrl, TransportError, type Transport } from "@anomaly-writer/transport";
import { createBodyBufferPool } from "./create-body-buffer-pool.ts";
import { createLimitsSource } from "./create-limits-source.ts";
import { createLogLimiter, type LogLimiterOptions } from "./create-log-limiter.ts";
import { createWriteReport } from "./create-write-report.ts";
import { countDistinctSeries, countLinePoints, countRawPoints } from "./count-points.ts";
import { readServerLimits, resolveFlagsUrl } from "./read-server-limits.ts";
import { createQueuedDelivery, toQueueItem, type QueuedDelivery } from "./create-queued-delivery.ts";
import { WriterError } from "./errors.ts";
import { isPositionedRecord, type PositionedRecord } from "./positioned-record.ts";
import { resolveTransportOptions, resolveWriterEndpoints } from "./resolve-writer-options.ts";
import { dropReasonOf, type SendFailure, type WriteResult } from "./write-result.ts";
import { silentLogger, type WriterLogger } from "./writer-logger.ts";

export interface CreateVmWriterOptions {
  logger?: WriterLogger;
  /** Self-monitoring metrics; default a new registry. */
  metrics?: WriterMetrics;
  /** A transport to use instead of one made from the config (it is not closed by close()). */
  transport?: Transport;
  /** Upper bound of one request body, uncompressed. Default 4 MiB. */
  maxRequestBytes?: number;
  /** Requests in flight at once. Default 4. */
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

/** Options of one `write()` call. */
export interface WriteOptions {
  /**
   * With `writer.queue`: accept all or nothing. The call throws a WriterError with code
   * `WRITER_QUEUE_FULL` (and nothing is queued) when the batch does not fit.
   */
  atomic?: boolean;
  /** How many refused records `recordProblems` lists (all are counted). Default 1000. */
  maxProblems?: number;
}

/** Progress of a running write. */
export interface WriteProgress {
  readonly records: number;
  readonly datapoints: number;
  readonly requests: number;
}

/** The writer: validates, formats, checks tenancy, batches and sends model outputs. */
export interface VmWriter {
  /** The import URL (credentials redacted), or undefined for `class: noop`. */
  readonly importUrl: string | undefined;
  readonly healthUrl: string | undefined;
  readonly metrics: WriterMetrics;
  /**
   * Write records: raw objects (spec §2) or positioned ones from `readJsonLines`. Bad records are
   * reported with their position and never stop good ones.
   */
  write(records: Iterable<unknown> | AsyncIterable<unknown>, options?: WriteOptions): Promise<WriteResult>;
  /** Resolves once the writer is ready (the durable queue opened); rejects if it cannot be. */
  ready(): Promise<void>;
  /**
   * With `writer.queue` and no background sender: send what is queued until it is empty or the
   * target fails; what is left stays queued for the next run.
   */
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

interface Batch {
  readonly groupKey: string;
  readonly queryKey: string;
  readonly context: Readonly<Record<string, string>>;
  /** JSON classes: the request body being filled (`bytes` of it used); none for noop. */
  buffer: Buffer | undefined;
  /** remote_write: the formatted series of the batch (encoded to protobuf when sent). */
  rw: FormattedSeries[];
  bytes: number;
  series: number;
  datapoints: number;
  serializeSeconds: number;
  records: number[];
}

/** A record larger than one request, waiting to be sent in parts. */
interface SplitRecord {
  readonly kind: "split";
  /** The batch whose group the parts belong to. */
  readonly template: Batch;
  readonly lines: readonly string[];
  readonly index: number;
  readonly serializeSeconds: number;
  readonly recordBytes: number;
}

/** Create a writer from a parsed config (`@anomaly-writer/config`). */
export function createVmWriter(config: ResolvedConfig, options: CreateVmWriterOptions = {}): VmWriter {
  const writerConfig = config.writer;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? createWriterMetrics({ labelBounds: { knownQueryKeys: config.queryKeys ?? [] } });
  const limiter = createLogLimiter(logger, options.logRateLimit);
  const wallClock = options.now ?? (() => Date.now());
  const kind = writerConfig.class;
  const remoteWrite = kind === "remote_write";
  const fileConfig = kind === "file" ? writerConfig.file : undefined;
  // `noop` and `file` make no HTTP requests.
  const noop = kind === "noop" || kind === "file";
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  // Remote-write receivers (Prometheus) refuse samples that arrive out of order: one at a time.
  const maxInFlight = remoteWrite ? 1 : Math.max(1, options.maxInFlight ?? 4);

  if (!noop && !writerConfig.datasourceUrl) {
    throw new WriterError("WRITER_CONFIG", `writer.datasource_url is required for class ${kind}`);
  }
  if (kind === "file" && !fileConfig) throw new WriterError("WRITER_CONFIG", "writer.file.path is required for class file");
  const fileWriter = fileConfig
    ? createRotatingFileWriter({ path: fileConfig.path, maxBytes: fileConfig.maxBytes, maxFiles: fileConfig.maxFiles, fsync: fileConfig.fsync })
    : undefined;
  const endpoints = noop ? undefined : resolveWriterEndpoints(writerConfig);
  const importUrl = endpoints?.importUrl;
  const printableImportUrl = fileConfig ? `file://${fileConfig.path}` : importUrl === undefined ? "noop" : redactUrl(importUrl);
  const ownsTransport = options.transport === undefined && !noop;
  const requestOptions = remoteWrite ? { headers: { ...REMOTE_WRITE_HEADERS } } : { contentType: "application/json" };
  const transport: Transport | undefined =
    options.transport ??
    (noop
      ? undefined
      : createTransport({
          ...resolveTransportOptions(writerConfig),
          // connection_retry_attempts counts retries after the first attempt (vmanomaly 1.29.2).
          retry: { attempts: writerConfig.connectionRetryAttempts + 1 },
          ...(options.gzip ? { gzip: true } : {}),
          hooks: {
            onAttempt: (info) => {
              metrics.onAttempt(info);
              delivery?.observeAttempt(info);
            },
          },
        }));

  const encoder = createRecordEncoder({
    metricFormat: writerConfig.metricFormat,
    // No line may be larger than a request, so a long series is split to fit.
    maxLineBytes: Math.min(1024 * 1024, maxRequestBytes),
  });
  // What VictoriaMetrics would drop or change is refused before encoding (writer.limits, else the server's /flags, else its defaults).
  const limits = createLimitsSource({
    metricFormat: writerConfig.metricFormat,
    configured: writerConfig.limits,
    logger,
    ...(transport !== undefined && writerConfig.datasourceUrl !== undefined
      ? {
          read: () => readServerLimits(transport, writerConfig.datasourceUrl as string, { timeoutMs: Math.min(writerConfig.timeoutMs, 5000) }),
          flagsUrl: redactUrl(resolveFlagsUrl(writerConfig.datasourceUrl)),
        }
      : {}),
  });
  const limitsRead = limits.refresh();
  const tenancy = noop
    ? undefined
    : createTenancyChecker({
        ...(writerConfig.tenantId !== undefined ? { tenantId: writerConfig.tenantId } : {}),
        onWarning: (warning) => limiter.log("warn", "tenancy", warning.message),
      });
  const queueConfig = noop ? undefined : writerConfig.queue;
  let delivery: QueuedDelivery | undefined;
  const ready: Promise<void> =
    queueConfig && transport && importUrl
      ? createQueuedDelivery({
          queue: queueConfig,
          transport,
          importUrl,
          printableUrl: printableImportUrl,
          metrics,
          logger,
          requestOptions,
          bodyEncoding: remoteWrite ? "base64" : "utf8",
          drainAttempts: writerConfig.connectionRetryAttempts + 1,
          maxRequestBytes,
          healthUrl: endpoints?.healthUrl ?? importUrl,
          // Restarts are seen on a single node's /metrics; a cluster's vminsert would not show its storage's.
          ...(!remoteWrite && writerConfig.tenantId === undefined && writerConfig.datasourceUrl ? { metricsUrl: `${writerConfig.datasourceUrl.replace(/\/+$/, "")}/metrics` } : {}),
          // Health and /metrics checks are not writes: a transport without the metrics hook.
          ...(ownsTransport ? { probeTransport: createTransport({ ...resolveTransportOptions(writerConfig), retry: { attempts: 1 } }), ownsProbeTransport: true } : {}),
        }).then((d) => {
          delivery = d;
          if (options.backgroundSender !== false) d.start();
        })
      : Promise.resolve();
  let queueFailure: string | undefined;
  ready.catch((error: unknown) => {
    queueFailure = error instanceof Error ? error.message : String(error);
  });
  const tenantSensitive =
    writerConfig.tenantId === "multitenant" || Object.hasOwn(writerConfig.metricFormat, "vm_account_id") || Object.hasOwn(writerConfig.metricFormat, "vm_project_id");
  // JSON bodies are encoded into reused buffers; noop only counts, remote_write encodes protobuf.
  const storesBodies = !remoteWrite && (fileWriter !== undefined || !noop);
  const bodies = createBodyBufferPool(maxRequestBytes, maxInFlight + 2);
  const knownQueryKeys = config.queryKeys ? new Set(config.queryKeys) : undefined;
  const warnedQueryKeys = new RememberedSet(10_000);
  let closed = false;

  const labelsOf = (batch: Batch): WriterMetricLabels => ({
    url: printableImportUrl,
    query_key: batch.queryKey,
    scheduler_alias: batch.context.scheduler_alias ?? "",
    preset: batch.context.preset ?? "",
  });

  /** remote_write: the record's series (formatted, label limits checked) and their estimated size. */
  function formatForRemoteWrite(record: Parameters<typeof formatRecord>[0]) {
    const { series, dropped } = formatRecord(record, { metricFormat: writerConfig.metricFormat });
    let rwBytes = 0;
    let datapoints = 0;
    for (const s of series) {
      rwBytes += 18 * s.values.length;
      for (const [name, value] of Object.entries(s.labels)) rwBytes += name.length + value.length + 4;
      datapoints += s.values.length;
    }
    return { rw: series, bytes: rwBytes, series: series.length, datapoints, dropped, labelSets: series.map((s) => s.labels) };
  }

  async function write(input: Iterable<unknown> | AsyncIterable<unknown>, writeOptions: WriteOptions = {}): Promise<WriteResult> {
    if (closed) throw new WriterError("WRITER_CLOSED", "write() after close()");
    await ready;
    await limitsRead;
    limits.refreshIfStale();
    const guard = limits.guard();
    const atomicItems: { batch: Batch; body: string | Buffer }[] | undefined = delivery && writeOptions.atomic ? [] : undefined;
    const startedAt = performance.now();
    const report = createWriteReport({ metrics, limiter, maxProblems: writeOptions.maxProblems ?? 1000, knownQueryKeys: config.queryKeys ?? [] });
    const dropped = report.dropped;
    const failures: SendFailure[] = [];
    const failedRecords = new Set<number>();
    const totals = { records: 0, empty: 0, withData: 0, series: 0, datapoints: 0, requests: 0, bytes: 0 };
    const groups = new Map<string, Batch>();
    const inFlight = new Set<Promise<void>>();

    /** Refuse a record; its metric labels are its own query key and aliases when they are strings (bounded by the metrics). */
    const refuse = (position: string, issues: readonly RecordIssue[], value: unknown, points: number) => {
      const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
      const text = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : "");
      report.refuse(position, issues, points, { url: printableImportUrl, query_key: text("query_key"), scheduler_alias: text("scheduler_alias"), preset: text("preset") });
    };

    const send = async (batch: Batch): Promise<void> => {
      totals.requests++;
      const labels = labelsOf(batch);
      metrics.observeSerialize(labels, batch.serializeSeconds);
      const buffer = batch.buffer;
      batch.buffer = undefined;
      try {
        if (noop || transport === undefined || importUrl === undefined) {
          if (fileWriter && buffer) {
            const bytes = buffer.subarray(0, batch.bytes);
            return await deliver(batch, labels, async () => {
              await fileWriter.write(bytes);
              return bytes.byteLength;
            });
          }
          totals.series += batch.series;
          totals.datapoints += batch.datapoints;
          totals.bytes += batch.bytes;
          logger.debug(`noop: would POST ${batch.datapoints} datapoints, ${batch.bytes} bytes for ${batch.queryKey}`);
          return;
        }
        // The queue keeps what it is given (replay window): it gets a copy, the pool the buffer.
        const body = remoteWrite ? Buffer.from(encodeWriteRequest(batch.rw)) : (buffer as Buffer).subarray(0, batch.bytes);
        batch.rw = [];
        if (delivery) return await enqueue(delivery, batch, remoteWrite ? body : Buffer.from(body));
        logger.debug(`POST ${printableImportUrl} with ${batch.datapoints} datapoints, ${body.byteLength} bytes for ${batch.queryKey}`);
        return await deliver(batch, labels, async () => (await transport.post(importUrl, body, { ...requestOptions, context: batch.context })).bytesSent);
      } finally {
        if (buffer) bodies.release(buffer);
      }
    };

    /** Send a body directly (HTTP or file); count it, or report it as failed for good. */
    const deliver = async (batch: Batch, labels: WriterMetricLabels, sendBody: () => Promise<number>): Promise<void> => {
      try {
        const bytesSent = await sendBody();
        metrics.recordSuccess(labels, { bytes: bytesSent, datapoints: batch.datapoints, timeseries: batch.series });
        totals.series += batch.series;
        totals.datapoints += batch.datapoints;
        totals.bytes += bytesSent;
      } catch (error) {
        const te = error instanceof TransportError ? error : undefined;
        const code = te?.outcome ?? "io_error";
        const message = error instanceof Error ? error.message : String(error);
        failures.push({
          queryKey: batch.queryKey,
          code,
          ...(te?.status !== undefined ? { status: te.status } : {}),
          credentialError: te?.credentialError ?? false,
          message,
          series: batch.series,
          datapoints: batch.datapoints,
          records: batch.records.length,
        });
        const reason = dropReasonOf(code);
        dropped[reason] += batch.datapoints;
        metrics.recordDropped(reason, batch.datapoints, labels);
        for (const r of batch.records) failedRecords.add(r);
        const hint = te?.credentialError ? " (check user/password or bearer token)" : "";
        limiter.log("error", "send_failure", `cannot write ${batch.datapoints} datapoints for ${JSON.stringify(batch.queryKey.slice(0, 64))} to ${printableImportUrl}: code ${code}${hint}: ${message}`);
      } finally {
        options.onProgress?.({ records: totals.records, datapoints: totals.datapoints, requests: totals.requests });
      }
    };

    const accept = (batch: Batch, bytes: number) => {
      totals.series += batch.series;
      totals.datapoints += batch.datapoints;
      totals.bytes += bytes;
    };
    const metaOf = (batch: Batch) => ({
      query_key: batch.queryKey,
      scheduler_alias: batch.context.scheduler_alias ?? "",
      preset: batch.context.preset ?? "",
      series: batch.series,
      datapoints: batch.datapoints,
    });
    const enqueue = async (d: QueuedDelivery, batch: Batch, body: string | Buffer): Promise<void> => {
      if (atomicItems) {
        atomicItems.push({ batch, body });
        return;
      }
      const item = toQueueItem(metaOf(batch), body);
      try {
        try {
          await d.append([item]);
        } catch (error) {
          if (!(error instanceof QueueError) || error.code !== "QUEUE_FULL") throw error;
          const signal = AbortSignal.timeout(options.queueFullWaitMs ?? 30_000);
          await d.queue.waitForSpace(d.queue.sizeOf(item), signal);
          await d.append([item]);
        }
        accept(batch, Buffer.byteLength(body));
        logger.debug(`queued ${batch.datapoints} datapoints, ${batch.bytes} bytes for ${batch.queryKey}`);
      } catch (error) {
        const full = error instanceof QueueError && error.code === "QUEUE_FULL" || (error as Error).name === "TimeoutError";
        const code = full ? "queue_full" : "io_error";
        const message = full ? `the durable queue stayed full (${queueConfig?.maxBytes} bytes): VictoriaMetrics is not taking data fast enough` : (error as Error).message;
        failures.push({ queryKey: batch.queryKey, code, credentialError: false, message, series: batch.series, datapoints: batch.datapoints, records: batch.records.length });
        dropped.permanent_error += batch.datapoints;
        metrics.recordDropped("permanent_error", batch.datapoints, labelsOf(batch));
        for (const r of batch.records) failedRecords.add(r);
        limiter.log("error", "queue_failure", `cannot queue ${batch.datapoints} datapoints for ${JSON.stringify(batch.queryKey.slice(0, 64))}: ${message}`);
      }
    };

    const dispatch = async (batch: Batch): Promise<void> => {
      if (batch.bytes === 0 && batch.rw.length === 0) return;
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const pending: Promise<void> = send(batch).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      // Let the request reach the socket while the next batch is encoded (in-memory input would
      // otherwise keep the event loop busy until maxInFlight requests are queued).
      await new Promise<void>((resolve) => setImmediate(resolve));
    };

    const newBatch = (template: Batch): Batch => ({ ...template, buffer: undefined, rw: [], bytes: 0, series: 0, datapoints: 0, serializeSeconds: 0, records: [] });

    /** Encode text of a known UTF-8 length into the batch's body (nothing is kept for noop). */
    const appendText = (batch: Batch, text: string, bytes: number): void => {
      if (storesBodies) {
        const needed = batch.bytes + bytes;
        if (batch.buffer === undefined) batch.buffer = bodies.take(needed);
        else if (batch.buffer.length < needed) batch.buffer = bodies.grow(batch.buffer, batch.bytes, needed);
        const written = batch.buffer.write(text, batch.bytes, "utf8");
        if (written !== bytes) throw new WriterError("WRITER_INTERNAL", `the encoder counted ${bytes} bytes but wrote ${written}`);
      }
      batch.bytes += bytes;
    };

    // The (query_key, scheduler_alias, preset) group of the previous record: records of one
    // inference mostly share it, so its key and context are built once.
    let lastQueryKey: string | undefined;
    let lastScheduler: string | undefined;
    let lastPreset: string | undefined;
    let groupKey = "";
    let context: Record<string, string> = {};

    /** Full batches and oversized records, in input order, waiting to be sent. */
    const pending: (Batch | SplitRecord)[] = [];
    /** Send a record larger than one request in parts along its lines, each part counted; a part is sent as soon as it is full. */
    const sendSplit = async (job: SplitRecord): Promise<void> => {
      let part = newBatch(job.template);
      let partLines: string[] = [];
      const flushPart = async () => {
        part.series = countDistinctSeries(partLines);
        part.datapoints = partLines.reduce((sum, line) => sum + countLinePoints(line), 0);
        part.records = [job.index];
        part.serializeSeconds = job.serializeSeconds * (part.bytes / job.recordBytes);
        await dispatch(part);
        part = newBatch(job.template);
        partLines = [];
      };
      for (const line of job.lines) {
        const n = Buffer.byteLength(line);
        if (part.bytes > 0 && part.bytes + n > maxRequestBytes) await flushPart();
        appendText(part, line, n);
        partLines.push(line);
      }
      await flushPart();
    };
    const sendPending = async (): Promise<void> => {
      for (const item of pending.splice(0)) await ("kind" in item ? sendSplit(item) : dispatch(item));
    };
    /** Take one input record, synchronously (a promise per record costs more than encoding it); full batches and oversized records go to `pending`. */
    const take = (item: unknown): void => {
      totals.records++;
      const index = totals.records;
      // Positions are made only when needed: "record N" for raw input.
      const positioned = isPositionedRecord(item) ? item : undefined;
      const value = positioned ? positioned.value : item;
      if (positioned?.parseError !== undefined) {
        refuse(positioned.position, [{ path: "", message: positioned.parseError, reason: "invalid_record" }], undefined, 0);
        return;
      }
      // Before anything is expanded: what VictoriaMetrics would not keep as sent, and records
      // beyond the expansion bounds (work linear in the input).
      const refused = guard.check(value, wallClock());
      if (refused !== undefined) {
        refuse(positionOf(positioned, index), refused, value, countRawPoints(value));
        return;
      }
      // The common valid record is validated and encoded in one pass; anything else is
      // validated first (with its errors) and then encoded.
      let t0 = performance.now();
      let encoded = remoteWrite ? undefined : encoder.encodeIfValid(value);
      let record: ModelOutputRecord;
      if (encoded) record = value as ModelOutputRecord;
      else {
        const parsed = safeParseRecord(value);
        if (!parsed.success) {
          refuse(positionOf(positioned, index), parsed.issues, value, countRawPoints(value));
          return;
        }
        record = parsed.output;
        t0 = performance.now();
      }
      let rwEncoded: ReturnType<typeof formatForRemoteWrite> | undefined;
      try {
        if (remoteWrite) rwEncoded = formatForRemoteWrite(record);
        else encoded ??= encoder.encode(record);
      } catch (error) {
        // A record valid in itself that cannot be written (a label set too large for one line).
        if (!(error instanceof RecordError)) throw error;
        refuse(positionOf(positioned, index), error.issues, record, countRawPoints(record));
        return;
      }
      const serializeSeconds = (performance.now() - t0) / 1000;
      // Each unknown key is named once per process (bounded memory), in the write's summary.
      if (knownQueryKeys && !knownQueryKeys.has(record.query_key) && warnedQueryKeys.add(hashLabelSet({ query_key: record.query_key }))) {
        report.unknownQueryKey(record.query_key);
      }
      const counts = (encoded ?? rwEncoded) as { readonly series: number; readonly datapoints: number; readonly bytes: number; readonly dropped: { nan: number; inf: number } };
      const scheduler = record.scheduler_alias ?? "";
      const preset = record.preset ?? "";
      if (record.query_key !== lastQueryKey || scheduler !== lastScheduler || preset !== lastPreset) {
        lastQueryKey = record.query_key;
        lastScheduler = scheduler;
        lastPreset = preset;
        groupKey = `${record.query_key}\u0000${scheduler}\u0000${preset}`;
        context = { query_key: record.query_key, scheduler_alias: scheduler, preset };
      }
      if (counts.dropped.nan > 0) {
        dropped.nan += counts.dropped.nan;
        metrics.recordDropped("nan", counts.dropped.nan, { url: printableImportUrl, ...context });
      }
      if (counts.dropped.inf > 0) {
        dropped.inf += counts.dropped.inf;
        metrics.recordDropped("inf", counts.dropped.inf, { url: printableImportUrl, ...context });
      }
      if (counts.series === 0) {
        totals.empty++;
        report.empty(record.query_key);
        return;
      }
      totals.withData++;
      // The tenancy check can only speak when tenant labels are in play (multitenant, or a
      // vm_account_id / vm_project_id label): only then are the label sets needed.
      if (tenancy && (tenantSensitive || Object.hasOwn(record.labels, "vm_account_id") || Object.hasOwn(record.labels, "vm_project_id"))) {
        for (const labels of (encoded ?? rwEncoded)?.labelSets ?? []) tenancy.check(labels, record.query_key);
      }

      let batch = groups.get(groupKey);
      if (!batch) {
        batch = { groupKey, queryKey: record.query_key, context, buffer: undefined, rw: [], bytes: 0, series: 0, datapoints: 0, serializeSeconds: 0, records: [] };
        groups.set(groupKey, batch);
      }
      const recordBytes = counts.bytes;
      if (batch.bytes > 0 && batch.bytes + recordBytes > maxRequestBytes) {
        pending.push(batch);
        batch = newBatch(batch);
        groups.set(groupKey, batch);
      }
      // remote_write batches whole records (a record is one request at most).
      if (recordBytes <= maxRequestBytes || rwEncoded) {
        if (encoded) appendText(batch, encoded.text, recordBytes);
        else if (rwEncoded) {
          for (const s of rwEncoded.rw) batch.rw.push(s);
          batch.bytes += recordBytes;
        }
        batch.series += counts.series;
        batch.datapoints += counts.datapoints;
        batch.serializeSeconds += serializeSeconds;
        batch.records.push(index);
        return;
      }
      // A record larger than one request: split along its lines (sent part by part, see sendSplit).
      pending.push({ kind: "split", template: batch, lines: (encoded as EncodedRecord).lines, index, serializeSeconds, recordBytes });
    };

    if (Symbol.asyncIterator in input) {
      for await (const item of input) {
        take(item);
        if (pending.length > 0) await sendPending();
      }
    } else {
      for (const item of input) {
        take(item);
        if (pending.length > 0) await sendPending();
      }
    }
    for (const batch of groups.values()) await dispatch(batch);
    await Promise.all(inFlight);
    if (atomicItems && delivery && atomicItems.length > 0) {
      try {
        await delivery.append(atomicItems.map(({ batch, body }) => toQueueItem(metaOf(batch), body)));
      } catch (error) {
        if (error instanceof QueueError && (error.code === "QUEUE_FULL" || error.code === "QUEUE_TOO_LARGE" || error.code === "QUEUE_NO_SPACE")) {
          throw new WriterError("WRITER_QUEUE_FULL", `${error.message}; nothing of this write was queued`, { cause: error });
        }
        throw error;
      }
      for (const { batch, body } of atomicItems) accept(batch, Buffer.byteLength(body));
    }

    report.logSummary(totals.records);
    const failed = failedRecords.size;
    return {
      ok: report.invalid === 0 && failures.length === 0,
      noop,
      queued: delivery !== undefined,
      records: { total: totals.records, written: totals.withData - failed, invalid: report.invalid, empty: totals.empty, failed },
      series: totals.series,
      datapoints: totals.datapoints,
      requests: totals.requests,
      bytes: totals.bytes,
      dropped,
      recordProblems: report.problems,
      failures,
      durationMs: performance.now() - startedAt,
    };
  }

  return {
    importUrl: importUrl === undefined ? undefined : printableImportUrl,
    healthUrl: endpoints ? redactUrl(endpoints.healthUrl) : undefined,
    metrics,
    write,
    ready: () => ready,
    async drainQueue() {
      await ready;
      if (!delivery) return { sent: 0, remaining: 0, remainingBytes: 0 };
      return delivery.drain();
    },
    queueStats() {
      const stats = delivery?.queue.stats();
      return { pendingEntries: stats?.pendingEntries ?? 0, pendingBytes: stats?.pendingBytes ?? 0 };
    },
    async health() {
      if (closed) return { ok: false, detail: "closed" };
      if (queueFailure !== undefined) return { ok: false, detail: `the durable queue is not open: ${queueFailure}` };
      if (queueConfig && !delivery) return { ok: false, detail: "the durable queue is opening" };
      return { ok: true, detail: "OK" };
    },
    async probe() {
      if (!transport || !endpoints) {
        const reason = fileConfig ? `class file: writes JSON lines to ${fileConfig.path} (rotated at ${fileConfig.maxBytes} bytes)` : "class noop: nothing to probe";
        const skipped: ProbeResult = { ok: true, url: printableImportUrl, code: kind, latencyMs: 0, reason };
        return { health: skipped, write: skipped };
      }
      const [health, writeProbe] = await Promise.all([probeHealth(transport, endpoints.healthUrl), probeWrite(transport, endpoints.importUrl), limits.refresh()]);
      return { health, write: writeProbe };
    },
    describeLimits: () => limits.describe(),
    recordLimits: () => limits.guard().limits,
    async close() {
      if (closed) return;
      closed = true;
      limits.stop();
      await ready.catch(() => undefined);
      await delivery?.close();
      await fileWriter?.close();
      if (ownsTransport) await transport?.close();
    },
  };
}

/** Where an input record came from: its own position, or "record N". */
function positionOf(positioned: PositionedRecord | undefined, index: number): string {
  return positioned?.position ?? `record ${index}`;
}
