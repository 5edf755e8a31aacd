import { parseRetentionPeriod } from "@anomaly-writer/common";
import * as v from "valibot";
import { ByteSizeSchema } from "./byte-size-schema.ts";
import { DurationSchema } from "./duration-schema.ts";
import { describeValue, integerSchema, scalarField, sectionGuard, sectionMessage } from "./scalar-field.ts";

/**
 * `writer.limits` (ours, not vmanomaly's): what the writer refuses before sending, so that what it
 * answers as written is what VictoriaMetrics keeps. Unset keys take the target's own values
 * (read from its `/flags` when it reports them) or VictoriaMetrics 1.79's defaults.
 */
export interface WriterLimitsConfig {
  /** Oldest accepted timestamp, as an age; default the server's `-retentionPeriod`, else 1 month (31 days). */
  readonly retentionMs?: number;
  /** How far ahead of now a timestamp may be; default 2 days (VictoriaMetrics refuses more). */
  readonly maxFutureMs?: number;
  /** Labels per series, `__name__` included; default the server's `-maxLabelsPerTimeseries`, else 30. */
  readonly maxLabelsPerSeries?: number;
  /** UTF-8 bytes of one label value; default the server's `-maxLabelValueLen`, else 16 KiB. */
  readonly maxLabelValueBytes?: number;
  /** UTF-8 bytes of one label name; default 256. */
  readonly maxLabelNameBytes?: number;
  /** UTF-8 bytes of one series' label names and values together; default 32,000 (VictoriaMetrics 1.79 loses series of about 32 KiB). */
  readonly maxLabelBytesPerSeries?: number;
  /** Output series (output variables) of one record; default 1000. */
  readonly maxSeriesPerRecord?: number;
  /** Label bytes one record expands to (its label set × its series); default 16 MiB. */
  readonly maxLabelBytesPerRecord?: number;
}

export const RETENTION_FORMS =
  "a VictoriaMetrics retention period such as 100y, 2w, 31d, 12h, or a number of months (1 = 31 days)";

/** `-retentionPeriod` syntax: a string with h/d/w/y or a bare number of months. */
const RetentionSchema = scalarField((value, report): number => {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : undefined;
  const ms = text === undefined ? undefined : parseRetentionPeriod(text);
  if (ms !== undefined) return ms;
  report(`must be ${RETENTION_FORMS}, got ${typeof value === "string" ? `"${value.trim()}"` : describeValue(value)}`);
  return 0;
});

/** The `writer.limits` section. */
export function createLimitsSchema() {
  const entries = {
    retention: RetentionSchema,
    max_future: DurationSchema,
    max_labels_per_series: integerSchema(1),
    max_label_value_bytes: ByteSizeSchema,
    max_label_name_bytes: ByteSizeSchema,
    max_label_bytes_per_series: ByteSizeSchema,
    max_series_per_record: integerSchema(1),
    max_label_bytes_per_record: ByteSizeSchema,
  };
  return v.pipe(
    sectionGuard(),
    v.object(entries, sectionMessage),
    v.transform(
      (l): WriterLimitsConfig => ({
        ...(l.retention !== undefined && { retentionMs: l.retention }),
        ...(l.max_future !== undefined && { maxFutureMs: l.max_future }),
        ...(l.max_labels_per_series !== undefined && { maxLabelsPerSeries: l.max_labels_per_series }),
        ...(l.max_label_value_bytes !== undefined && { maxLabelValueBytes: l.max_label_value_bytes }),
        ...(l.max_label_name_bytes !== undefined && { maxLabelNameBytes: l.max_label_name_bytes }),
        ...(l.max_label_bytes_per_series !== undefined && { maxLabelBytesPerSeries: l.max_label_bytes_per_series }),
        ...(l.max_series_per_record !== undefined && { maxSeriesPerRecord: l.max_series_per_record }),
        ...(l.max_label_bytes_per_record !== undefined && { maxLabelBytesPerRecord: l.max_label_bytes_per_record }),
      }),
    ),
  );
}
