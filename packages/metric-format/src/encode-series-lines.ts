import { RecordError } from "./errors.ts";
import { encodeSeriesPrefix, pushSeriesLines, resolveMaxLineBytes } from "./push-series-lines.ts";
import type { FormattedSeries, RecordIssue } from "./types.ts";

/** Options of encodeSeriesLines. */
export interface EncodeSeriesLinesOptions {
  /** Split the series so that no line exceeds this many bytes (newline included). Default 1 MiB. */
  readonly maxLineBytes?: number;
}

/**
 * Encode one series as VictoriaMetrics JSON lines (`/api/v1/import`), each ending in "\n":
 * `{"metric":{...},"values":[...],"timestamps":[...]}`. A long series is split into several lines.
 * Throws RecordError for a non-finite value, a timestamp that is not a non-negative integer, or
 * a length mismatch (VictoriaMetrics would skip such a line and still answer 204).
 */
export function encodeSeriesLines(series: FormattedSeries, options: EncodeSeriesLinesOptions = {}): string[] {
  const maxLineBytes = resolveMaxLineBytes(options.maxLineBytes);
  const issues: RecordIssue[] = [];
  if (series.values.length !== series.timestamps.length) {
    issues.push({
      path: "values",
      message: `has ${series.values.length} values but timestamps has ${series.timestamps.length}`,
    });
  }
  const count = Math.min(series.values.length, series.timestamps.length);
  const values: string[] = new Array<string>(count);
  const timestamps: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const value = series.values[i] as number;
    const timestamp = series.timestamps[i] as number;
    if (typeof value !== "number" || value - value !== 0)
      issues.push({ path: `values[${i}]`, message: `must be a finite number, got ${String(value)}` });
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      issues.push({ path: `timestamps[${i}]`, message: `must be a non-negative integer, got ${String(timestamp)}` });
    values[i] = String(value);
    timestamps[i] = String(timestamp);
  }
  if (issues.length > 0) throw new RecordError(issues);
  const lines: string[] = [];
  if (count > 0) pushSeriesLines(lines, encodeSeriesPrefix(series.labels), values, timestamps, maxLineBytes);
  return lines;
}
