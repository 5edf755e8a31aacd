import { type Batch, emptyBatch, type SplitRecord } from "./batch.ts";
import { countDistinctSeries, countLinePoints } from "./count-points.ts";
import type { BatchSender } from "./create-batch-sender.ts";
import type { BodyBufferPool } from "./create-body-buffer-pool.ts";
import type { TakenRecord } from "./create-record-intake.ts";
import { WriterError } from "./errors.ts";
import type { BodyFormat } from "./sinks/sink.ts";

/** How records are grouped into requests. */
export interface BatcherOptions {
  /** Upper bound of one request body, uncompressed (`batch_max_bytes`). */
  readonly maxRequestBytes: number;
  /** Upper bound of the series in one request (`batch_max_series`); unbounded when undefined. */
  readonly maxRequestSeries: number | undefined;
  /** Keep request bodies (false for a sink that writes nothing). */
  readonly storesBodies: boolean;
  readonly bodies: BodyBufferPool;
  readonly sender: BatchSender;
}

/** Groups taken records by (query_key, scheduler_alias, preset) and wire format into bounded requests, in input order. */
export interface Batcher {
  /** Add one record; full batches and oversized records wait in `pending` (synchronous). */
  add(record: TakenRecord): void;
  readonly hasPending: boolean;
  /** Send what waits in `pending`. */
  sendPending(): Promise<void>;
  /** Send every batch still being filled. */
  flush(): Promise<void>;
}

/** Create the batcher of one write. */
export function createBatcher(options: BatcherOptions): Batcher {
  const { maxRequestBytes, sender } = options;
  const maxSeries = options.maxRequestSeries ?? Number.POSITIVE_INFINITY;
  // A request is one wire format: the batches being filled, by format, then by group.
  const groupsByWire: Record<BodyFormat, Map<string, Batch>> = { json: new Map(), prometheus: new Map() };
  const pending: (Batch | SplitRecord)[] = [];

  /** Encode text of a known UTF-8 length into the batch's body (nothing is kept when bodies are not stored). */
  const appendText = (batch: Batch, text: string, bytes: number): void => {
    if (options.storesBodies) {
      const needed = batch.bytes + bytes;
      if (batch.buffer === undefined) batch.buffer = options.bodies.take(needed);
      else if (batch.buffer.length < needed) batch.buffer = options.bodies.grow(batch.buffer, batch.bytes, needed);
      const written = batch.buffer.write(text, batch.bytes, "utf8");
      if (written !== bytes)
        throw new WriterError("WRITER_INTERNAL", `the encoder counted ${bytes} bytes but wrote ${written}`);
    }
    batch.bytes += bytes;
  };

  /** Send a record larger than one request in parts along its lines; a part is sent as soon as it is full. */
  const sendSplit = async (job: SplitRecord): Promise<void> => {
    let part = emptyBatch(job.template);
    let partLines: string[] = [];
    const flushPart = async () => {
      // A Prometheus-text line is one point of one series, and a single-point record's series are distinct.
      part.series = job.template.wire === "prometheus" ? partLines.length : countDistinctSeries(partLines);
      part.datapoints =
        job.template.wire === "prometheus"
          ? partLines.length
          : partLines.reduce((sum, line) => sum + countLinePoints(line), 0);
      part.records = [job.index];
      part.serializeSeconds = job.serializeSeconds * (part.bytes / job.recordBytes);
      await sender.dispatch(part);
      part = emptyBatch(job.template);
      partLines = [];
    };
    for (const line of job.lines) {
      const n = Buffer.byteLength(line);
      if (part.bytes > 0 && (part.bytes + n > maxRequestBytes || partLines.length >= maxSeries)) await flushPart();
      appendText(part, line, n);
      partLines.push(line);
    }
    await flushPart();
  };

  return {
    add(record) {
      const groups = groupsByWire[record.wire];
      let batch = groups.get(record.groupKey);
      if (!batch) {
        batch = emptyBatch(record);
        groups.set(record.groupKey, batch);
      }
      if (
        batch.bytes > 0 &&
        (batch.bytes + record.bytes > maxRequestBytes || batch.series + record.series > maxSeries)
      ) {
        pending.push(batch);
        batch = emptyBatch(batch);
        groups.set(record.groupKey, batch);
      }
      // A record larger than one request is split along its lines (series formats: a record is one request at most).
      if (record.encoded && (record.bytes > maxRequestBytes || record.series > maxSeries)) {
        pending.push({
          kind: "split",
          template: batch,
          lines: record.encoded.lines,
          index: record.index,
          serializeSeconds: record.serializeSeconds,
          recordBytes: record.bytes,
        });
        return;
      }
      if (record.encoded) appendText(batch, record.encoded.text, record.bytes);
      else {
        for (const s of record.formatted ?? []) batch.formatted.push(s);
        batch.bytes += record.bytes;
      }
      batch.series += record.series;
      batch.datapoints += record.datapoints;
      batch.serializeSeconds += record.serializeSeconds;
      batch.records.push(record.index);
    },
    get hasPending() {
      return pending.length > 0;
    },
    async sendPending() {
      for (const item of pending.splice(0)) await ("kind" in item ? sendSplit(item) : sender.dispatch(item));
    },
    async flush() {
      for (const groups of Object.values(groupsByWire)) {
        for (const batch of groups.values()) await sender.dispatch(batch);
        groups.clear();
      }
    },
  };
}
