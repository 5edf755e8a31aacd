import { RecordError } from "./errors.ts";
import { propertyPath } from "./issue-path.ts";
import { type ResolvedMetricFormat, renderEntry } from "./resolve-metric-format.ts";
import type { ModelOutputRecord } from "./types.ts";
import { toWellFormed } from "./well-formed.ts";

const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;

/**
 * The output label set of one variable of a record (spec §3): input labels, then the aliases,
 * then the formatted metric_format keys; a later source wins a clash. `__name__` comes first.
 * Labels with an empty value are left out (VictoriaMetrics drops them: same as no label);
 * lone surrogates become U+FFFD. Throws RecordError when the metric name comes out empty.
 */
export function buildLabelSet(
  format: ResolvedMetricFormat,
  record: ModelOutputRecord,
  variable: string,
): Readonly<Record<string, string>> {
  const merged = new Map<string, string>([["__name__", ""]]);
  const labels = record.labels;
  for (const name of Object.keys(labels)) merged.set(toWellFormed(name), toWellFormed(labels[name] as string));
  for (const alias of ALIASES) {
    const value = record[alias];
    if (value !== undefined) merged.set(alias, toWellFormed(value));
  }
  for (const entry of format.entries)
    merged.set(entry.name, toWellFormed(renderEntry(entry, variable, record.query_key)));
  if (merged.get("__name__") === "") {
    throw new RecordError([
      {
        path: propertyPath("outputs", variable),
        message: `metric_format.__name__ ${JSON.stringify(format.source.__name__)} gives an empty metric name for this variable`,
      },
    ]);
  }
  const result: Record<string, string> = {};
  for (const [name, value] of merged) {
    if (value === "") continue;
    // defineProperty, not assignment: a label may be called "__proto__".
    Object.defineProperty(result, name, { value, enumerable: true, writable: false, configurable: false });
  }
  return Object.freeze(result);
}
