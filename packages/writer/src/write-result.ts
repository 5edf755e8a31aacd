import type { DropReason } from "@anomaly-writer/healthcheck";
import type { RecordIssue, RefusalReason } from "@anomaly-writer/metric-format";

/** Datapoints that were not written, by reason (the `reason` label of the dropped metric). */
export type DroppedDatapoints = Record<DropReason, number>;

/** A record that was refused before sending, with where it was, which field, why, and what is wrong. */
export interface RecordProblem {
  /** `line 7`, `record 3`, `input.jsonl line 12`. */
  readonly position: string;
  /** The path of the first issue in the record (`timestamps[0]`, `labels.host`), `""` for the record itself. */
  readonly field: string;
  readonly reason: RefusalReason;
  /** The first issues with their paths, then how many more. */
  readonly message: string;
  readonly issues: readonly RecordIssue[];
}

/** The drop reason of a request that failed for good: unreachable, server trouble after the retries, or refused. */
export function dropReasonOf(code: string): "connection_error" | "server_error" | "permanent_error" {
  if (code === "connection_error" || code === "timeout" || code === "ssl_error") return "connection_error";
  if (code === "429" || /^5\d\d$/.test(code)) return "server_error";
  return "permanent_error";
}

/** A request that failed for good (permanent HTTP error, or retries exhausted). */
export interface SendFailure {
  readonly queryKey: string;
  /** The vmanomaly `code`: the HTTP status or `connection_error`, `timeout`, `ssl_error`, `io_error`. */
  readonly code: string;
  readonly status?: number;
  readonly credentialError: boolean;
  readonly message: string;
  readonly series: number;
  readonly datapoints: number;
  readonly records: number;
}

/** What one `write()` call did. */
export interface WriteResult {
  /** True when every valid point was written and no record was invalid. */
  readonly ok: boolean;
  /** True for `class: noop`: counts are what would have been written. */
  readonly noop: boolean;
  /** True with `writer.queue`: counts are what was queued on disk (sent in the background). */
  readonly queued: boolean;
  readonly records: {
    readonly total: number;
    readonly written: number;
    readonly invalid: number;
    readonly empty: number;
    readonly failed: number;
  };
  readonly series: number;
  readonly datapoints: number;
  readonly requests: number;
  readonly bytes: number;
  readonly dropped: Readonly<DroppedDatapoints>;
  /** Up to the first 1000 record problems (`records.invalid` counts them all). */
  readonly recordProblems: readonly RecordProblem[];
  readonly failures: readonly SendFailure[];
  readonly durationMs: number;
}

/** One human line summing up a write, as the runner prints it. */
export function formatWriteSummary(result: WriteResult): string {
  const d = result.dropped;
  const droppedTotal = Object.values(d).reduce((sum, n) => sum + n, 0);
  const parts = [
    `${result.noop ? "would write" : result.queued ? "queued" : "written"}: ${result.records.written} records, ${result.series} series, ${result.datapoints} datapoints`,
    `${result.requests} requests, ${result.bytes} bytes in ${(result.durationMs / 1000).toFixed(2)} s`,
  ];
  if (result.records.invalid > 0) parts.push(`${result.records.invalid} records refused`);
  if (result.records.failed > 0) parts.push(`${result.records.failed} records failed to send`);
  if (droppedTotal > 0) {
    const reasons = Object.entries(d)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason} ${n}`);
    parts.push(`dropped datapoints: ${reasons.join(", ")}`);
  }
  return parts.join("; ");
}
