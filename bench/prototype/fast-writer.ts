/**
 * PROTOTYPE (bench only, not product code): the hot loop of `createVmWriter().write()` reduced to
 * what the proposed changes keep, to measure them end to end against curl in the same run:
 *
 * - records are validated and encoded in one step by a prototype encoder (`encodeRaw`), which
 *   returns one text chunk per record with its exact byte count: no `Buffer.byteLength` per line,
 *   no `lines.push(...spread)`, no per-record `context`/group-key objects for the common case of
 *   one (query_key, scheduler_alias, preset) group;
 * - a request is `chunks.join("")` handed to the package transport (which makes the bytes once);
 * - after each dispatch the loop yields to the event loop (`setImmediate`), so that undici writes
 *   the request while the next batch is encoded (with in-memory records `for await` only yields
 *   to microtasks, and nothing is sent until `maxInFlight` requests are queued);
 * - requests in flight: `maxInFlight` (default 4, as the writer);
 * - `pooledBuffers`: each record's text is written straight into one of `maxInFlight + 1` request
 *   buffers of `maxRequestBytes`, reused from request to request (no 4 MiB string, no join, no
 *   Buffer.from, no dead 4 MiB buffers waiting for the GC); with `post` the bytes go to
 *   `undici.request` directly (undici's fetch copies every body once more).
 *
 * It keeps the writer's batching rule (a batch is sent before it would exceed maxRequestBytes)
 * and its grouping by (query_key, scheduler_alias, preset). Failures throw: a prototype.
 */
import type { ModelOutputRecord } from "@anomaly-writer/metric-format";
import type { Transport } from "@anomaly-writer/transport";
import type { FastRecordEncoder } from "./fast-record-encoder.ts";

export interface FastWriterOptions {
  readonly importUrl: string;
  readonly transport: Transport;
  readonly encoder: FastRecordEncoder;
  readonly maxRequestBytes?: number;
  readonly maxInFlight?: number;
  /** Yield to the event loop after each dispatch. Default true. */
  readonly yieldAfterDispatch?: boolean;
  /** Encode into reused request buffers instead of joining strings. Default false. */
  readonly pooledBuffers?: boolean;
  /** Send a body some other way than `transport.post` (e.g. undici.request). */
  readonly post?: (url: string, body: Uint8Array) => Promise<{ bytesSent: number }>;
}

interface Batch {
  chunks: string[];
  bytes: number;
  datapoints: number;
  /** With pooledBuffers: the request buffer being filled. */
  buffer?: Buffer;
}

export interface FastWriteResult {
  readonly datapoints: number;
  readonly requests: number;
  readonly bytes: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createFastWriter(options: FastWriterOptions) {
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 4;
  const yieldAfterDispatch = options.yieldAfterDispatch ?? true;

  const pool: Buffer[] = [];
  const takeBuffer = () => pool.pop() ?? Buffer.allocUnsafeSlow(maxRequestBytes);
  const post = options.post ?? ((url: string, body: Uint8Array | string) => options.transport.post(url, body, { contentType: "application/json" }));

  async function write(input: Iterable<unknown> | AsyncIterable<unknown>): Promise<FastWriteResult> {
    const inFlight = new Set<Promise<void>>();
    const groups = new Map<string, Batch>();
    let requests = 0;
    let datapoints = 0;
    let bytes = 0;
    let lastKey: string | undefined;
    let lastBatch: Batch | undefined;

    const dispatch = async (batch: Batch) => {
      if (batch.bytes === 0) return;
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const buffer = batch.buffer;
      const body = buffer ? buffer.subarray(0, batch.bytes) : batch.chunks.join("");
      const points = batch.datapoints;
      requests++;
      const pending: Promise<void> = (post as (url: string, body: Uint8Array | string) => Promise<{ bytesSent: number }>)(options.importUrl, body)
        .then((response) => {
          datapoints += points;
          bytes += response.bytesSent;
        })
        .finally(() => {
          inFlight.delete(pending);
          if (buffer) pool.push(buffer);
        });
      inFlight.add(pending);
      if (yieldAfterDispatch) await nextTurn();
    };

    for await (const item of input) {
      const encoded = options.encoder.encodeRaw(item);
      if (encoded.bytes === 0) continue;
      const record = item as ModelOutputRecord;
      const key = `${record.query_key}\u0000${record.scheduler_alias ?? ""}\u0000${record.preset ?? ""}`;
      let batch: Batch;
      if (key === lastKey && lastBatch) batch = lastBatch;
      else {
        batch = groups.get(key) ?? { chunks: [], bytes: 0, datapoints: 0 };
        groups.set(key, batch);
      }
      if (batch.bytes > 0 && batch.bytes + encoded.bytes > maxRequestBytes) {
        await dispatch(batch);
        batch = { chunks: [], bytes: 0, datapoints: 0 };
        groups.set(key, batch);
      }
      if (options.pooledBuffers) {
        if (encoded.bytes > maxRequestBytes) throw new Error("prototype: a record larger than one request is not supported with pooledBuffers");
        batch.buffer ??= takeBuffer();
        const written = batch.buffer.write(encoded.text, batch.bytes, "utf8");
        if (written !== encoded.bytes) throw new Error(`prototype: encoder counted ${encoded.bytes} bytes, wrote ${written}`);
      } else batch.chunks.push(encoded.text);
      batch.bytes += encoded.bytes;
      batch.datapoints += encoded.datapoints;
      lastKey = key;
      lastBatch = batch;
    }
    for (const batch of groups.values()) await dispatch(batch);
    await Promise.all(inFlight);
    return { datapoints, requests, bytes };
  }

  return { write };
}
