import { type BatchMeta, type QueuedDelivery, toQueueItem } from "@anomaly-writer/delivery";
import type { WriterMetricLabels, WriterMetrics } from "@anomaly-writer/healthcheck";
import { QueueError } from "@anomaly-writer/queue";
import { TransportError } from "@anomaly-writer/transport";
import type { Batch, WriteState } from "./batch.ts";
import type { BodyBufferPool } from "./create-body-buffer-pool.ts";
import type { LogLimiter } from "./create-log-limiter.ts";
import { WriterError } from "./errors.ts";
import type { Sink } from "./sinks/sink.ts";
import { dropReasonOf, type SendFailure } from "./write-result.ts";
import type { WriterLogger } from "./writer-logger.ts";

/** Progress of a running write. */
export interface WriteProgress {
  readonly records: number;
  readonly datapoints: number;
  readonly requests: number;
}

/** What sending the batches of one write needs. */
export interface BatchSenderOptions {
  readonly sink: Sink;
  /** The durable queue in front of the sink, when configured. */
  readonly delivery: QueuedDelivery | undefined;
  readonly metrics: WriterMetrics;
  readonly limiter: LogLimiter;
  readonly logger: WriterLogger;
  readonly bodies: BodyBufferPool;
  /** How long a streaming write waits for room in a full queue. */
  readonly queueFullWaitMs: number;
  readonly queueMaxBytes: number | undefined;
  /** With a queue: queue all batches at the end, all or nothing. */
  readonly atomic: boolean;
  readonly onProgress?: ((progress: WriteProgress) => void) | undefined;
}

/** Sends (or queues) the batches of one write, a bounded number at a time, and accounts for each. */
export interface BatchSender {
  dispatch(batch: Batch): Promise<void>;
  /** Wait for every request in flight; with `atomic`, queue everything now (throws WRITER_QUEUE_FULL when it does not fit). */
  finish(): Promise<void>;
}

const QUEUE_FULL_CODES = new Set(["QUEUE_FULL", "QUEUE_TOO_LARGE", "QUEUE_NO_SPACE"]);

/** The queue metadata of a batch; `format` only for Prometheus text (absent means the sink's own format). */
function metaOf(batch: Batch): BatchMeta {
  const { scheduler_alias = "", preset = "" } = batch.context;
  const meta = {
    query_key: batch.queryKey,
    scheduler_alias,
    preset,
    series: batch.series,
    datapoints: batch.datapoints,
  };
  return batch.wire === "json" ? meta : { ...meta, format: batch.wire };
}

/** Create the sender of one write's batches: to the sink directly, or into the durable queue. */
export function createBatchSender(options: BatchSenderOptions, state: WriteState): BatchSender {
  const { sink, delivery, metrics, limiter } = options;
  const { totals, failures, failedRecords } = state;
  const inFlight = new Set<Promise<void>>();
  const atomicItems: { batch: Batch; body: Buffer }[] = [];
  const labelsOf = (batch: Batch): WriterMetricLabels => ({
    url: sink.target,
    query_key: batch.queryKey,
    scheduler_alias: batch.context.scheduler_alias ?? "",
    preset: batch.context.preset ?? "",
  });
  const accept = (batch: Batch, bytes: number) => {
    totals.series += batch.series;
    totals.datapoints += batch.datapoints;
    totals.bytes += bytes;
  };
  const progress = () =>
    options.onProgress?.({ records: totals.records, datapoints: totals.datapoints, requests: totals.requests });

  /** A batch that failed for good: counted by reason, its records marked, one (rate-limited) log line. */
  const fail = (
    batch: Batch,
    failure: Omit<SendFailure, "queryKey" | "series" | "datapoints" | "records">,
    reason: ReturnType<typeof dropReasonOf>,
  ) => {
    failures.push({
      queryKey: batch.queryKey,
      ...failure,
      series: batch.series,
      datapoints: batch.datapoints,
      records: batch.records.length,
    });
    state.report.dropped[reason] += batch.datapoints;
    metrics.recordDropped(reason, batch.datapoints, labelsOf(batch));
    for (const r of batch.records) failedRecords.add(r);
    const hint = failure.credentialError ? " (check user/password or bearer token)" : "";
    const what = `${batch.datapoints} datapoints for ${JSON.stringify(batch.queryKey.slice(0, 64))}`;
    limiter.log(
      "error",
      failure.code === "queue_full" || failure.code === "io_error" ? "queue_failure" : "send_failure",
      `cannot write ${what} to ${sink.target}: code ${failure.code}${hint}: ${failure.message}`,
    );
  };

  /** Send a body to the sink directly; count it, or report it as failed for good. */
  const deliver = async (batch: Batch, body: Uint8Array): Promise<void> => {
    try {
      const bytesSent = await sink.send(body, { context: batch.context, format: batch.wire });
      metrics.recordSuccess(labelsOf(batch), {
        bytes: bytesSent,
        datapoints: batch.datapoints,
        timeseries: batch.series,
      });
      accept(batch, bytesSent);
    } catch (error) {
      const te = error instanceof TransportError ? error : undefined;
      const code = te?.outcome ?? "io_error";
      const message = error instanceof Error ? error.message : String(error);
      fail(
        batch,
        {
          code,
          ...(te?.status !== undefined ? { status: te.status } : {}),
          credentialError: te?.credentialError ?? false,
          message,
        },
        dropReasonOf(code),
      );
    } finally {
      progress();
    }
  };

  /** Queue a body (on disk when this resolves), waiting a bounded time for room in a full queue. */
  const enqueue = async (queued: QueuedDelivery, batch: Batch, body: Buffer): Promise<void> => {
    if (options.atomic) {
      atomicItems.push({ batch, body });
      return;
    }
    const item = toQueueItem(metaOf(batch), body);
    try {
      try {
        await queued.append([item]);
      } catch (error) {
        if (!(error instanceof QueueError) || error.code !== "QUEUE_FULL") throw error;
        await queued.queue.waitForSpace(queued.queue.sizeOf(item), AbortSignal.timeout(options.queueFullWaitMs));
        await queued.append([item]);
      }
      accept(batch, body.byteLength);
      options.logger.debug(`queued ${batch.datapoints} datapoints, ${batch.bytes} bytes for ${batch.queryKey}`);
    } catch (error) {
      const full =
        (error instanceof QueueError && error.code === "QUEUE_FULL") || (error as Error).name === "TimeoutError";
      const message = full
        ? `the durable queue stayed full (${options.queueMaxBytes} bytes): the target is not taking data fast enough`
        : (error as Error).message;
      fail(batch, { code: full ? "queue_full" : "io_error", credentialError: false, message }, "permanent_error");
    }
  };

  const send = async (batch: Batch): Promise<void> => {
    totals.requests++;
    metrics.observeSerialize(labelsOf(batch), batch.serializeSeconds);
    const buffer = batch.buffer;
    batch.buffer = undefined;
    try {
      if (!sink.writes) {
        accept(batch, batch.bytes);
        options.logger.debug(
          `${sink.kind}: would write ${batch.datapoints} datapoints, ${batch.bytes} bytes for ${batch.queryKey}`,
        );
        return;
      }
      const encoded =
        sink.format === "series" ? sink.encodeSeries?.(batch.formatted) : buffer?.subarray(0, batch.bytes);
      batch.formatted = [];
      if (encoded === undefined) throw new WriterError("WRITER_INTERNAL", `no body for a ${sink.kind} request`);
      // The queue keeps what it is given (the replay window): it gets a copy, the pool the buffer.
      if (delivery) return await enqueue(delivery, batch, Buffer.from(encoded));
      return await deliver(batch, encoded);
    } finally {
      if (buffer) options.bodies.release(buffer);
    }
  };

  return {
    async dispatch(batch) {
      if (batch.bytes === 0 && batch.formatted.length === 0) return;
      while (inFlight.size >= sink.maxInFlight) await Promise.race(inFlight);
      const pending: Promise<void> = send(batch).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      // Let the request reach the socket while the next batch is encoded (in-memory input would
      // otherwise keep the event loop busy until maxInFlight requests are queued).
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    async finish() {
      await Promise.all(inFlight);
      if (!delivery || atomicItems.length === 0) return;
      try {
        await delivery.append(atomicItems.map(({ batch, body }) => toQueueItem(metaOf(batch), body)));
      } catch (error) {
        if (error instanceof QueueError && QUEUE_FULL_CODES.has(error.code)) {
          throw new WriterError("WRITER_QUEUE_FULL", `${error.message}; nothing of this write was queued`, {
            cause: error,
          });
        }
        throw error;
      }
      for (const { batch, body } of atomicItems) accept(batch, body.byteLength);
    },
  };
}
