/** Datapoints that were not written, by reason (the `reason` label of the dropped metric). */
export interface DroppedDatapoints {
  nan: number;
  inf: number;
  invalid_record: number;
  permanent_error: number;
}

/** A record that was rejected before sending, with where it was and what is wrong. */
export interface RecordProblem {
  readonly position: string;
  readonly message: string;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
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
  readonly records: { readonly total: number; readonly written: number; readonly invalid: number; readonly empty: number; readonly failed: number };
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
  const droppedTotal = d.nan + d.inf + d.invalid_record + d.permanent_error;
  const parts = [
    `${result.noop ? "would write" : result.queued ? "queued" : "written"}: ${result.records.written} records, ${result.series} series, ${result.datapoints} datapoints`,
    `${result.requests} requests, ${result.bytes} bytes in ${(result.durationMs / 1000).toFixed(2)} s`,
  ];
  if (result.records.invalid > 0) parts.push(`${result.records.invalid} invalid records`);
  if (result.records.failed > 0) parts.push(`${result.records.failed} records failed to send`);
  if (droppedTotal > 0) {
    const reasons = Object.entries(d).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`);
    parts.push(`dropped datapoints: ${reasons.join(", ")}`);
  }
  return parts.join("; ");
}
