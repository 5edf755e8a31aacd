import type { Logger } from "@anomaly-writer/common";
import type { WriterMetricLabels, WriterMetrics } from "@anomaly-writer/healthcheck";
import { appendDeadLetter, type QueueEntry } from "@anomaly-writer/queue";
import { TransportError } from "@anomaly-writer/transport";
import type { Counter } from "prom-client";

/** What the dead-letter writer needs to know. */
export interface DeadLettererOptions {
  readonly file: string;
  readonly target: string;
  /** How bodies are kept: `utf8` text or `base64` binary. */
  readonly bodyEncoding: "utf8" | "base64";
  /** How one entry's body is kept, when it depends on its format; default `bodyEncoding`. */
  readonly bodyEncodingOf?: (entry: QueueEntry) => "utf8" | "base64";
  readonly metrics: WriterMetrics;
  readonly counter: Counter<"url">;
  readonly logger: Logger;
}

/** The self-metric labels of a queue entry's metadata. */
export function labelsOfEntry(target: string, meta: Readonly<Record<string, string | number>>): WriterMetricLabels {
  return {
    url: target,
    query_key: String(meta.query_key ?? ""),
    scheduler_alias: String(meta.scheduler_alias ?? ""),
    preset: String(meta.preset ?? ""),
  };
}

/**
 * Moves an entry the target refused for good to the dead-letter file: one JSON line with the time,
 * reason, code, its metadata and the exact body (importable once the cause is fixed), counted and logged.
 */
export function createDeadLetterer(options: DeadLettererOptions): (entry: QueueEntry, error: unknown) => Promise<void> {
  return async (entry, error) => {
    const te = error instanceof TransportError ? error : undefined;
    const code = te?.outcome ?? "io_error";
    const datapoints = Number(entry.meta.datapoints ?? 0);
    const bodyEncoding = options.bodyEncodingOf?.(entry) ?? options.bodyEncoding;
    await appendDeadLetter(options.file, {
      time: new Date().toISOString(),
      reason: error instanceof Error ? error.message : String(error),
      code,
      meta: entry.meta,
      body: entry.body.toString(bodyEncoding),
      ...(bodyEncoding === "base64" ? { bodyEncoding: "base64" } : {}),
    });
    options.counter.inc({ url: options.target }, datapoints);
    options.metrics.recordDropped("permanent_error", datapoints, labelsOfEntry(options.target, entry.meta));
    const format = typeof entry.meta.format === "string" ? ` (a ${entry.meta.format} body)` : "";
    options.logger.error(
      `${options.target} refused ${datapoints} datapoints for ${entry.meta.query_key}${format} for good (code ${code}): moved to the dead-letter file ${options.file}`,
    );
  };
}
