import type { WriterLimitsConfig } from "@anomaly-writer/config";
import {
  createRecordGuard,
  DEFAULT_RECORD_LIMITS,
  formatDuration,
  type RecordGuard,
  type RecordLimits,
} from "@anomaly-writer/metric-format";
import type { ServerLimits } from "./read-server-limits.ts";
import type { WriterLogger } from "./writer-logger.ts";

/** Options of {@link createLimitsSource}. */
export interface LimitsSourceOptions {
  readonly metricFormat: Readonly<Record<string, string>>;
  /** `writer.limits`: wins over what the server reports. */
  readonly configured: WriterLimitsConfig;
  /** Reads the server's limits (`/flags`); absent for targets without one (`file`, `noop`). */
  readonly read?: () => Promise<ServerLimits>;
  /** Where `/flags` is, for messages (redacted). */
  readonly flagsUrl?: string;
  readonly logger: WriterLogger;
  /** After a failed read, the next one is tried at most this often (on a write). Default 60 000 ms. */
  readonly retryAfterMs?: number;
  /** Monotonic milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

/** The record guard of the moment: `writer.limits`, then the server's flags, then VictoriaMetrics 1.79's defaults. */
export interface LimitsSource {
  guard(): RecordGuard;
  /** Read the server's limits (at start, and by `probe()`); never rejects. */
  refresh(): Promise<void>;
  /** After a failed read: read again in the background, at most once per `retryAfterMs`. */
  refreshIfStale(): void;
  /** One line: each limit and where it comes from. */
  describe(): string;
  /** No more reads or log lines (the writer is closing). */
  stop(): void;
}

type LimitName = keyof Required<RecordLimits>;
const SERVER_FLAGS: Partial<Record<LimitName, string>> = {
  retentionMs: "-retentionPeriod",
  maxLabelsPerSeries: "-maxLabelsPerTimeseries",
  maxLabelValueBytes: "-maxLabelValueLen",
};
const CONFIG_KEYS: Record<LimitName, string> = {
  retentionMs: "retention",
  maxFutureMs: "max_future",
  maxLabelsPerSeries: "max_labels_per_series",
  maxLabelValueBytes: "max_label_value_bytes",
  maxLabelNameBytes: "max_label_name_bytes",
  maxSeriesPerRecord: "max_series_per_record",
  maxLabelBytesPerSeries: "max_label_bytes_per_series",
  maxLabelBytesPerRecord: "max_label_bytes_per_record",
};

/** Keep the record guard in step with the configured limits and the server's. */
export function createLimitsSource(options: LimitsSourceOptions): LimitsSource {
  const now = options.now ?? (() => performance.now());
  const retryAfterMs = options.retryAfterMs ?? 60_000;
  let server: Partial<RecordLimits> = {};
  let serverKnown = false;
  let lastFailure: number | undefined;
  let reading: Promise<void> | undefined;
  let stopped = false;
  let guard = createRecordGuard(options.metricFormat, options.configured);

  const sourceOf = (name: LimitName): string => {
    if (options.configured[name] !== undefined) return `writer.limits.${CONFIG_KEYS[name]}`;
    if (server[name] !== undefined) return `VictoriaMetrics ${SERVER_FLAGS[name] ?? ""}`;
    return SERVER_FLAGS[name] !== undefined ? "VictoriaMetrics' default" : "default";
  };
  const describe = (): string => {
    const l = guard.limits;
    return [
      `timestamps from now - ${formatDuration(l.retentionMs)} (${sourceOf("retentionMs")}) to now + ${formatDuration(l.maxFutureMs)} (${sourceOf("maxFutureMs")})`,
      `at most ${l.maxLabelsPerSeries} labels per series (${sourceOf("maxLabelsPerSeries")})`,
      `label values up to ${l.maxLabelValueBytes} bytes (${sourceOf("maxLabelValueBytes")})`,
      `names up to ${l.maxLabelNameBytes} bytes`,
    ].join(", ");
  };

  const read = async (): Promise<void> => {
    if (options.read === undefined || stopped) return;
    const result = await options.read();
    if (stopped) return;
    if (!result.ok) {
      const first = lastFailure === undefined && !serverKnown;
      lastFailure = now();
      if (first) {
        options.logger.warn(
          `cannot read the limits of VictoriaMetrics from ${options.flagsUrl ?? "/flags"} (${result.reason}); refusing what VictoriaMetrics 1.79 would drop by default unless writer.limits says otherwise: ${describe()}`,
        );
      }
      return;
    }
    const changed = !serverKnown || JSON.stringify(server) !== JSON.stringify(result.limits);
    server = result.limits;
    serverKnown = true;
    lastFailure = undefined;
    if (!changed) return;
    guard = createRecordGuard(options.metricFormat, { ...DEFAULT_RECORD_LIMITS, ...server, ...options.configured });
    options.logger.info(`refusing what VictoriaMetrics would not keep: ${describe()}`);
  };

  const refresh = (): Promise<void> => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  return {
    guard: () => guard,
    refresh,
    refreshIfStale() {
      if (lastFailure === undefined || reading !== undefined || now() - lastFailure < retryAfterMs) return;
      void refresh();
    },
    describe,
    stop() {
      stopped = true;
    },
  };
}
