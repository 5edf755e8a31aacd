import type { IncomingMessage, ServerResponse } from "node:http";
import { createGunzip } from "node:zlib";
import type { Logger } from "@anomaly-writer/common";
import { silentLogger } from "@anomaly-writer/common";
import { DEFAULT_MAX_BODY_BYTES } from "@anomaly-writer/config";
import { METRICS_PATH, serveMetrics } from "@anomaly-writer/healthcheck";
import {
  type PositionedRecord,
  parseRecordsText,
  type VmWriter,
  type WriteResult,
  WriterError,
} from "@anomaly-writer/writer";
import { HEALTH_PATH, INGEST_PATH } from "./routes.ts";

export interface IngestHandlerOptions {
  logger?: Logger;
  /** Largest accepted request body (after gunzip). Default 32 MiB; larger bodies get 413. */
  maxBodyBytes?: number;
  /** Extra health detail; default: the writer answers "OK". */
  health?: () => Promise<{ ok: boolean; detail: string }>;
  /** Most records in one request; more get 413 and nothing of the request is written. Default unlimited. */
  maxRecordsPerRequest?: number;
  /** Most output series (records × output variables) in one request; more get 413. Default unlimited. */
  maxSeriesPerRequest?: number;
  /**
   * Most label text one request may expand to (each record's label characters × its output
   * variables, summed), checked before anything is written; more get 413. Default 256 Mi characters.
   */
  maxLabelBytesPerRequest?: number;
  /** Called when a request is refused for its size (to count it). */
  onRejected?: (reason: IngestRejectReason) => void;
}

/** Why the ingest handler refused a request before writing anything. */
export type IngestRejectReason = "body_too_large" | "too_many_records" | "too_many_series" | "too_large_expansion";

export const DEFAULT_MAX_LABEL_BYTES_PER_REQUEST = 256 * 1024 * 1024;

/** What a record would expand to: one series per `outputs` key, each with the record's labels (0 for anything that is not a record). */
function measureExpansion(record: PositionedRecord): { readonly series: number; readonly labelChars: number } {
  const value = record.value;
  if (typeof value !== "object" || value === null) return { series: 0, labelChars: 0 };
  const { outputs, labels } = value as { outputs?: unknown; labels?: unknown };
  let series = 0;
  if (typeof outputs === "object" && outputs !== null) for (const _ in outputs) series++;
  let chars = 0;
  if (typeof labels === "object" && labels !== null) {
    for (const [name, label] of Object.entries(labels))
      chars += name.length + (typeof label === "string" ? label.length : 0);
  }
  for (const key of ["query_key", "model_alias", "scheduler_alias", "preset"]) {
    const text: unknown = (value as Record<string, unknown>)[key];
    if (typeof text === "string") chars += text.length;
  }
  return { series, labelChars: chars * series };
}

/** A node:http request handler with a promise that settles when all requests in flight are done. */
export interface IngestHandler {
  /** Handles one request; the promise settles when it is done (it never rejects). */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Resolves when no request is being handled. */
  idle(): Promise<void>;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  const stream = encoding === "gzip" ? req.pipe(createGunzip()) : req;
  if (encoding !== "gzip" && encoding !== "identity") throw new TypeError(`unsupported Content-Encoding ${encoding}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLarge(`body is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The response body of POST /api/v1/outputs. */
export function summarizeForResponse(result: WriteResult) {
  return {
    written: { records: result.records.written, series: result.series, datapoints: result.datapoints },
    invalid: result.records.invalid,
    empty: result.records.empty,
    dropped: result.dropped,
    errors: result.recordProblems.map((p) => ({
      position: p.position,
      field: p.field,
      reason: p.reason,
      message: p.message,
    })),
    failures: result.failures.map((f) => ({
      query_key: f.queryKey,
      code: f.code,
      message: f.message,
      datapoints: f.datapoints,
    })),
  };
}

const TRANSIENT = new Set(["connection_error", "timeout", "io_error", "ssl_error", "429"]);

/** The request's size against the per-request bounds: what is over, or undefined. */
function checkRequestBounds(
  records: readonly PositionedRecord[],
  recordLimits: ReturnType<VmWriter["recordLimits"]>,
  bounds: Pick<IngestHandlerOptions, "maxRecordsPerRequest" | "maxSeriesPerRequest"> & {
    readonly maxLabelBytesPerRequest: number;
  },
): { readonly reason: IngestRejectReason; readonly error: string } | undefined {
  if (bounds.maxRecordsPerRequest !== undefined && records.length > bounds.maxRecordsPerRequest) {
    return {
      reason: "too_many_records",
      error: `${records.length} records in one request; the limit is ${bounds.maxRecordsPerRequest}: split the body`,
    };
  }
  // A record beyond the writer's own bounds is refused alone, cheaply: it does not count here.
  let series = 0;
  let labelChars = 0;
  for (const record of records) {
    const expansion = measureExpansion(record);
    if (
      expansion.series > recordLimits.maxSeriesPerRecord ||
      expansion.labelChars > recordLimits.maxLabelBytesPerRecord
    )
      continue;
    series += expansion.series;
    labelChars += expansion.labelChars;
  }
  if (bounds.maxSeriesPerRequest !== undefined && series > bounds.maxSeriesPerRequest) {
    return {
      reason: "too_many_series",
      error: `${series} output series in one request; the limit is ${bounds.maxSeriesPerRequest}: split the body`,
    };
  }
  if (labelChars > bounds.maxLabelBytesPerRequest) {
    const error = `the request expands to about ${labelChars} characters of labels (each record's labels × its output variables); the limit is ${bounds.maxLabelBytesPerRequest}: split the body or send fewer, shorter labels`;
    return { reason: "too_large_expansion", error };
  }
  return undefined;
}

/**
 * The HTTP ingest API of `anomaly-writer serve`: `POST /api/v1/outputs` (one record, a JSON
 * array or JSON lines), `GET /metrics`, `GET /health`. Mount it in any node:http server.
 */
export function createIngestHandler(writer: VmWriter, options: IngestHandlerOptions = {}): IngestHandler {
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxLabelBytes = options.maxLabelBytesPerRequest ?? DEFAULT_MAX_LABEL_BYTES_PER_REQUEST;
  let active = 0;
  let waiters: (() => void)[] = [];
  const done = () => {
    active--;
    if (active === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === HEALTH_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD")
        return sendJson(res, 405, { error: "use GET" }, { allow: "GET" });
      const health = options.health ? await options.health() : { ok: true, detail: "OK" };
      res.writeHead(health.ok ? 200 : 503, { "content-type": "text/plain" });
      res.end(`${health.detail}\n`);
      return;
    }
    if (path === METRICS_PATH) return serveMetrics(writer.metrics.registry, req, res);
    if (path !== INGEST_PATH)
      return sendJson(res, 404, { error: `no route ${path}; POST model outputs to ${INGEST_PATH}` });
    if (req.method !== "POST") return sendJson(res, 405, { error: "use POST" }, { allow: "POST" });
    let text: string;
    try {
      text = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        options.onRejected?.("body_too_large");
        return sendJson(res, 413, { error: error.message }, { connection: "close" });
      }
      const message = `cannot read the body: ${(error as Error).message}`;
      return sendJson(res, 400, { error: message, errors: [{ position: "body", message }] });
    }
    const records = parseRecordsText(text);
    if (records.length === 0) {
      const message = "the body holds no records (send one record, a JSON array or JSON lines)";
      return sendJson(res, 400, { error: message, errors: [{ position: "body", message }] });
    }
    const over = checkRequestBounds(records, writer.recordLimits(), {
      ...options,
      maxLabelBytesPerRequest: maxLabelBytes,
    });
    if (over) {
      options.onRejected?.(over.reason);
      return sendJson(res, 413, { error: over.error });
    }
    // A writer whose durable queue is not open (damaged, locked, still opening) takes nothing: 503 with the reason.
    const ready = await writer.health();
    if (!ready.ok)
      return sendJson(res, 503, { error: `not ready to take data: ${ready.detail}` }, { "retry-after": "5" });
    let result: WriteResult;
    try {
      // With the durable queue, all or nothing: a 2xx means every good record is on disk.
      // Every refused record is named in the answer (at most maxRecordsPerRequest).
      result = await writer.write(records, { atomic: true, maxProblems: records.length });
    } catch (error) {
      if (error instanceof WriterError && error.code === "WRITER_QUEUE_FULL") {
        logger.warn(`POST /api/v1/outputs refused: ${error.message}`);
        return sendJson(res, 429, { error: "the durable queue is full; retry later" }, { "retry-after": "10" });
      }
      throw error;
    }
    const body = summarizeForResponse(result);
    if (result.failures.length > 0) {
      const transient = result.failures.some((f) => TRANSIENT.has(f.code) || f.code.startsWith("5"));
      logger.warn(`POST /api/v1/outputs: ${result.failures.length} requests to VictoriaMetrics failed`);
      return sendJson(res, transient ? 503 : 502, body, transient ? { "retry-after": "5" } : {});
    }
    return sendJson(res, result.records.invalid > 0 ? 400 : 200, body);
  };

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    active++;
    return handle(req, res)
      .catch((error: unknown) => {
        logger.error(`ingest handler failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
        else res.destroy();
      })
      .finally(done);
  }) as IngestHandler;
  handler.idle = () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)));
  return handler;
}
