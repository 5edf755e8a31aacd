import type { EncodedRemoteWriteRecord } from "@anomaly-writer/metric-format";
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
  /** The sink's lower bounds for some wire formats (`DeliveryTarget.maxBodyBytes`). */
  readonly maxBodyBytes?: Readonly<Record<string, number>> | undefined;
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
  const { sender } = options;
  const limitOf = (wire: BodyFormat) => Math.min(options.maxRequestBytes, options.maxBodyBytes?.[wire] ?? Infinity);
  const maxSeries = options.maxRequestSeries ?? Number.POSITIVE_INFINITY;
  // A request is one wire format: the batches being filled, by format, then by group.
  const groupsByWire: Record<BodyFormat, Map<string, Batch>> = {
    json: new Map(),
    prometheus: new Map(),
    remote_write: new Map(),
  };
  const pending: (Batch | SplitRecord)[] = [];

  /** The batch's body with room for `bytes` more (taken from the pool or grown). */
  const roomFor = (batch: Batch, bytes: number): Buffer => {
    const needed = batch.bytes + bytes;
    if (batch.buffer === undefined) batch.buffer = options.bodies.take(needed);
    else if (batch.buffer.length < needed) batch.buffer = options.bodies.grow(batch.buffer, batch.bytes, needed);
    return batch.buffer;
  };

  /** Encode text of a known UTF-8 length into the batch's body (nothing is kept when bodies are not stored). */
  const appendText = (batch: Batch, text: string, bytes: number): void => {
    if (options.storesBodies) {
      // As many bytes as UTF-16 units: all ASCII, and latin1 copies it as it is (faster than encoding).
      const written = roomFor(batch, bytes).write(text, batch.bytes, bytes === text.length ? "latin1" : "utf8");
      if (written !== bytes)
        throw new WriterError("WRITER_INTERNAL", `the encoder counted ${bytes} bytes but wrote ${written}`);
    }
    batch.bytes += bytes;
  };

  /** Copy bytes into the batch's body (nothing is kept when bodies are not stored). */
  const appendBytes = (batch: Batch, bytes: Uint8Array): void => {
    if (options.storesBodies) roomFor(batch, bytes.length).set(bytes, batch.bytes);
    batch.bytes += bytes.length;
  };

  /** Send a record larger than one request in parts along its lines (or entries); a part is sent as soon as it is full. */
  const sendSplit = async (job: SplitRecord): Promise<void> => {
    const maxBytes = limitOf(job.template.wire);
    let part = emptyBatch(job.template);
    let partLines: string[] = [];
    let partSeries = new Set<number>();
    let partPoints = 0;
    const flushPart = async () => {
      if (job.binary) {
        part.series = partSeries.size;
        part.datapoints = partPoints;
      } else {
        // A Prometheus-text line is one point of one series, and a single-point record's series are distinct.
        part.series = job.template.wire === "prometheus" ? partLines.length : countDistinctSeries(partLines);
        part.datapoints =
          job.template.wire === "prometheus"
            ? partLines.length
            : partLines.reduce((sum, line) => sum + countLinePoints(line), 0);
      }
      part.records = [job.index];
      part.serializeSeconds = job.serializeSeconds * (part.bytes / job.recordBytes);
      await sender.dispatch(part);
      part = emptyBatch(job.template);
      partLines = [];
      partSeries = new Set();
      partPoints = 0;
    };
    for (const entry of job.binary?.parts ?? []) {
      const n = entry.end - entry.start;
      const newSeries = !partSeries.has(entry.series);
      if (part.bytes > 0 && (part.bytes + n > maxBytes || (newSeries && partSeries.size >= maxSeries)))
        await flushPart();
      appendBytes(part, (job.binary as EncodedRemoteWriteRecord).body.subarray(entry.start, entry.end));
      partSeries.add(entry.series);
      partPoints += entry.datapoints;
    }
    for (const line of job.lines) {
      const n = Buffer.byteLength(line);
      if (part.bytes > 0 && (part.bytes + n > maxBytes || partLines.length >= maxSeries)) await flushPart();
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
      const maxBytes = limitOf(record.wire);
      if (batch.bytes > 0 && (batch.bytes + record.bytes > maxBytes || batch.series + record.series > maxSeries)) {
        pending.push(batch);
        batch = emptyBatch(batch);
        groups.set(record.groupKey, batch);
      }
      // A record larger than one request is split along its lines (series formats: a record is one request at most).
      const large = record.bytes > maxBytes || record.series > maxSeries;
      if (large && (record.binary || record.encoded)) {
        pending.push({
          kind: "split",
          template: batch,
          lines: record.encoded?.lines ?? [],
          ...(record.binary ? { binary: record.binary } : {}),
          index: record.index,
          serializeSeconds: record.serializeSeconds,
          recordBytes: record.bytes,
        });
        return;
      }
      if (record.encoded) appendText(batch, record.encoded.text, record.bytes);
      else if (record.binary) appendBytes(batch, record.binary.body.subarray(0, record.binary.bytes));
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
