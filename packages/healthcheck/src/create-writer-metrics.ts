import type { AttemptInfo } from "@anomaly-writer/transport";
import { Registry } from "prom-client";
import { createMetricLabelGuard, type MetricLabelGuardOptions } from "./create-metric-label-guard.ts";
import { formatUrlLabel } from "./format-url-label.ts";
import { registerCounter, registerGauge, registerHistogram } from "./register-metric.ts";

/** The labels vmanomaly puts on every writer metric. */
export interface WriterMetricLabels {
  readonly url: string;
  readonly query_key: string;
  readonly scheduler_alias: string;
  readonly preset: string;
}

/**
 * Why datapoints were not written (label `reason` of `anomaly_writer_dropped_datapoints_total`):
 * non-finite values; refused records (malformed, a timestamp or label VictoriaMetrics would not
 * keep, a record beyond the expansion bounds); requests that failed for good (refused with a 4xx,
 * VictoriaMetrics unreachable, or failing with 5xx/429 after the retries).
 */
export type DropReason =
  | "nan"
  | "inf"
  | "invalid_record"
  | "invalid_timestamp"
  | "label_limit"
  | "record_too_large"
  | "permanent_error"
  | "connection_error"
  | "server_error";

/** What one successful request carried. */
export interface SentAmounts {
  readonly bytes: number;
  readonly datapoints: number;
  readonly timeseries: number;
}

/** The writer's self-monitoring metrics (vmanomaly names, plus ours), in one prom-client registry. */
export interface WriterMetrics {
  readonly registry: Registry;
  /**
   * A transport `onAttempt` hook (already bound): observes the request duration and counts the
   * response code of every attempt, failed ones included, and counts retries. Labels come from
   * `info.url` (credentials, query and fragment removed) and `info.context`
   * (`query_key`, `scheduler_alias`, `preset`; missing ones are empty).
   */
  onAttempt(info: AttemptInfo): void;
  /** After a request succeeded: bytes, datapoints and timeseries sent. */
  recordSuccess(labels: WriterMetricLabels, sent: SentAmounts): void;
  /** Time spent serializing one request body. */
  observeSerialize(labels: WriterMetricLabels, seconds: number): void;
  /** Datapoints that will never be written, by reason. */
  recordDropped(reason: DropReason, count: number, labels?: Partial<WriterMetricLabels>): void;
  /** Size of the durable queue not yet written. */
  setQueuePending(bytes: number, entries?: number): void;
}

/** Options of {@link createWriterMetrics}. */
export interface WriterMetricsOptions {
  /** Register into this registry (metrics already there under the same names are reused). Default: a new one. */
  readonly registry?: Registry;
  /** Value of the `version` label of `anomaly_writer_version_info`. Default `"unknown"`. */
  readonly version?: string;
  /** Process start time, Unix milliseconds (`Date.now()` style). Default: now. */
  readonly startTime?: number;
  /** Histogram buckets in seconds. Default: Python prometheus_client's, as vmanomaly uses. */
  readonly buckets?: readonly number[];
  /**
   * Bounds of the client-sent label values (`query_key`, `scheduler_alias`, `preset`): known query
   * keys (`reader.queries`) are kept, then 100 other values per label and 1000 combinations; the
   * rest is counted under `__other__`.
   */
  readonly labelBounds?: MetricLabelGuardOptions;
}

/** Python prometheus_client's default histogram buckets (vmanomaly's histograms use them). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/**
 * `AttemptInfo.context.component` of the metrics pusher's requests. Requests whose context has any
 * `component` (the pusher, the writer's `/flags` read) are not writes and are not counted.
 */
export const PUSH_CONTEXT_COMPONENT = "monitoring_push";

const LABEL_NAMES = ["url", "query_key", "scheduler_alias", "preset"] as const;
type LabelName = (typeof LABEL_NAMES)[number];

/** Create (or attach to) the writer metrics of spec §6. */
export function createWriterMetrics(options: WriterMetricsOptions = {}): WriterMetrics {
  const registry = options.registry ?? new Registry();
  const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];

  const duration = registerHistogram(registry, {
    name: "vmanomaly_writer_request_duration_seconds",
    help: "Duration of write requests to VictoriaMetrics, every attempt including failed ones.",
    labelNames: LABEL_NAMES,
    buckets,
  });
  const responses = registerCounter(registry, {
    name: "vmanomaly_writer_responses_total",
    help: "Responses of write requests by code: the HTTP status or connection_error, timeout, ssl_error, io_error.",
    labelNames: [...LABEL_NAMES, "code"],
  });
  const sentBytes = registerCounter(registry, {
    name: "vmanomaly_writer_sent_bytes_total",
    help: "Bytes of request bodies that VictoriaMetrics accepted (counted after success only).",
    labelNames: LABEL_NAMES,
  });
  const serialize = registerHistogram(registry, {
    name: "vmanomaly_writer_request_serialize_seconds",
    help: "Time spent serializing request bodies.",
    labelNames: LABEL_NAMES,
    buckets,
  });
  const datapoints = registerCounter(registry, {
    name: "vmanomaly_writer_datapoints_sent_total",
    help: "Datapoints sent to VictoriaMetrics (counted after success only).",
    labelNames: LABEL_NAMES,
  });
  const timeseries = registerCounter(registry, {
    name: "vmanomaly_writer_timeseries_sent_total",
    help: "Time series sent to VictoriaMetrics (counted after success only).",
    labelNames: LABEL_NAMES,
  });
  const retries = registerCounter(registry, {
    name: "anomaly_writer_retries_total",
    help: "Write attempts that failed and were retried.",
    labelNames: LABEL_NAMES,
  });
  const dropped = registerCounter(registry, {
    name: "anomaly_writer_dropped_datapoints_total",
    help: "Datapoints that were not written, by reason: nan, inf, invalid_record, invalid_timestamp, label_limit, record_too_large, permanent_error, connection_error, server_error.",
    labelNames: [...LABEL_NAMES, "reason"],
  });
  const pendingBytes = registerGauge(registry, {
    name: "anomaly_writer_queue_pending_bytes",
    help: "Bytes in the durable queue not yet written.",
  });
  const pendingEntries = registerGauge(registry, {
    name: "anomaly_writer_queue_pending_entries",
    help: "Requests in the durable queue not yet written.",
  });
  const startTime = registerGauge(registry, {
    name: "vmanomaly_start_time_seconds",
    help: "Start time of the process, Unix seconds.",
  });
  const versionInfo = registerGauge(registry, {
    name: "anomaly_writer_version_info",
    help: "anomaly-writer version, in the version label.",
    labelNames: ["version"],
  });
  startTime.set((options.startTime ?? Date.now()) / 1000);
  versionInfo.set({ version: options.version ?? "unknown" }, 1);

  const safeUrls = new Map<string, string>();
  const safeUrl = (url: string): string => {
    let safe = safeUrls.get(url);
    if (safe === undefined) {
      safe = url === "" ? "" : formatUrlLabel(url);
      if (safeUrls.size >= 256) safeUrls.clear();
      safeUrls.set(url, safe);
    }
    return safe;
  };
  const bound = createMetricLabelGuard(options.labelBounds);
  const labelsOf = (labels: Partial<WriterMetricLabels>): Record<LabelName, string> => ({
    url: safeUrl(labels.url ?? ""),
    ...bound({
      query_key: labels.query_key ?? "",
      scheduler_alias: labels.scheduler_alias ?? "",
      preset: labels.preset ?? "",
    }),
  });

  return {
    registry,
    onAttempt: (info) => {
      const context = info.context ?? {};
      if (context.component !== undefined) return;
      const labels = labelsOf({
        url: info.url,
        ...pick(context, "query_key"),
        ...pick(context, "scheduler_alias"),
        ...pick(context, "preset"),
      });
      duration.observe(labels, Math.max(0, info.durationMs) / 1000);
      responses.inc({ ...labels, code: info.code });
      if (info.willRetry) retries.inc(labels);
    },
    recordSuccess: (labels, sent) => {
      const values = labelsOf(labels);
      sentBytes.inc(values, sent.bytes);
      datapoints.inc(values, sent.datapoints);
      timeseries.inc(values, sent.timeseries);
    },
    observeSerialize: (labels, seconds) => {
      serialize.observe(labelsOf(labels), Math.max(0, seconds));
    },
    recordDropped: (reason, count, labels = {}) => {
      if (count > 0) dropped.inc({ ...labelsOf(labels), reason }, count);
    },
    setQueuePending: (bytes, entries) => {
      pendingBytes.set(bytes);
      if (entries !== undefined) pendingEntries.set(entries);
    },
  };
}

function pick(
  context: Readonly<Record<string, string>>,
  name: "query_key" | "scheduler_alias" | "preset",
): Partial<WriterMetricLabels> {
  const value = context[name];
  return value === undefined ? {} : { [name]: value };
}
