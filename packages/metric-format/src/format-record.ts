import { buildLabelSet } from "./build-label-set.ts";
import { classifyValue } from "./classify-value.ts";
import { RecordError } from "./errors.ts";
import { propertyPath } from "./issue-path.ts";
import { resolveMetricFormat } from "./resolve-metric-format.ts";
import type { DroppedPoints, FormattedSeries, ModelOutputRecord } from "./types.ts";

/** Options of formatRecord. */
export interface FormatRecordOptions {
  /** vmanomaly `metric_format`, e.g. `{__name__: "$VAR", for: "$QUERY_KEY"}`. */
  readonly metricFormat: Readonly<Record<string, string>>;
}

/** The series of one record and the points left out. */
export interface FormattedRecord {
  readonly series: FormattedSeries[];
  readonly dropped: DroppedPoints;
}

/**
 * Turn one record into its output series (spec §3): one per output variable, with its label set
 * and its finite points. Non-finite points are dropped and counted; a variable with no finite
 * point left gives no series. Throws MetricFormatError for a bad metric_format and RecordError
 * for a value that is neither a number nor a NaN/Inf spelling.
 */
export function formatRecord(record: ModelOutputRecord, options: FormatRecordOptions): FormattedRecord {
  const format = resolveMetricFormat(options.metricFormat);
  const dropped: DroppedPoints = { nan: 0, inf: 0 };
  const series: FormattedSeries[] = [];
  for (const variable of Object.keys(record.outputs)) {
    const raw = record.outputs[variable] ?? [];
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const value = raw[i];
      switch (classifyValue(value)) {
        case "finite":
          timestamps.push(record.timestamps[i] as number);
          values.push((value as number) === 0 ? 0 : (value as number)); // -0 is written as 0
          break;
        case "nan":
          dropped.nan++;
          break;
        case "inf":
          dropped.inf++;
          break;
        case "invalid":
          throw new RecordError([
            {
              path: `${propertyPath("outputs", variable)}[${i}]`,
              message: 'must be a number, null, "NaN", "Inf" or "-Inf"',
            },
          ]);
      }
    }
    if (values.length === 0) continue;
    series.push({ labels: buildLabelSet(format, record, variable), variable, timestamps, values });
  }
  return { series, dropped };
}
