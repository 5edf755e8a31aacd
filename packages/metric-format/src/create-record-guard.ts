import { describeTimestamp, formatDuration, type TimestampWindow } from "./describe-timestamp.ts";
import { MetricFormatError } from "./errors.ts";
import { isPlainObject } from "./is-plain-object.ts";
import { propertyPath } from "./issue-path.ts";
import { type ResolvedMetricFormat, renderEntry, resolveMetricFormat, VAR } from "./resolve-metric-format.ts";
import type { RecordIssue, RefusalReason } from "./types.ts";
import { exceedsUtf8, utf8Length } from "./utf8-length.ts";

/** What a target keeps; the defaults are VictoriaMetrics 1.79's. */
export interface RecordLimits {
  /** Oldest accepted timestamp as an age. Default 31 days (`-retentionPeriod=1`). */
  readonly retentionMs?: number;
  /** Newest accepted timestamp ahead of now. Default 2 days. */
  readonly maxFutureMs?: number;
  /** `-maxLabelsPerTimeseries`, `__name__` included. Default 30. */
  readonly maxLabelsPerSeries?: number;
  /** `-maxLabelValueLen` in UTF-8 bytes. Default 16384. */
  readonly maxLabelValueBytes?: number;
  /** Label name UTF-8 bytes. Default 256. */
  readonly maxLabelNameBytes?: number;
  /**
   * UTF-8 bytes of one series' label names and values together. Default 32,000: VictoriaMetrics
   * 1.79 silently loses series whose labels add up to about 32 KiB (measured: 32,741 bytes of
   * values kept, 32,742 lost), although each value is within -maxLabelValueLen.
   */
  readonly maxLabelBytesPerSeries?: number;
  /** Output variables (series) of one record. Default 1000. */
  readonly maxSeriesPerRecord?: number;
  /** UTF-8 bytes of the label sets one record expands to (label set × series). Default 16 MiB. */
  readonly maxLabelBytesPerRecord?: number;
}

/** RecordLimits with every default applied. */
export type ResolvedRecordLimits = Required<RecordLimits>;

/** VictoriaMetrics 1.79's defaults and ours (series and expansion bounds). */
export const DEFAULT_RECORD_LIMITS: ResolvedRecordLimits = Object.freeze({
  retentionMs: 31 * 86_400_000,
  maxFutureMs: 2 * 86_400_000,
  maxLabelsPerSeries: 30,
  maxLabelValueBytes: 16 * 1024,
  maxLabelNameBytes: 256,
  maxLabelBytesPerSeries: 32_000,
  maxSeriesPerRecord: 1000,
  maxLabelBytesPerRecord: 16 * 1024 * 1024,
});

/**
 * The window edges are pulled in by this much: VictoriaMetrics checks against its own clock when
 * the data arrives, a little later than we check (and clocks differ a little).
 */
export const TIMESTAMP_EDGE_MARGIN_MS = 60_000;

/** Checks records against a target's limits before they are expanded into series. */
export interface RecordGuard {
  readonly limits: ResolvedRecordLimits;
  /**
   * The reasons VictoriaMetrics would not keep this record as sent, or undefined when it would.
   * Takes unchecked input: parts that are not of the record's shape are left to safeParseRecord.
   * Cost is linear in the input (labels, output names, timestamps), never in what it expands to.
   */
  check(input: unknown, now: number): readonly RecordIssue[] | undefined;
}

const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;
const LISTED = 5;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new MetricFormatError("OPTIONS_INVALID", `${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Apply the defaults; throws MetricFormatError (`OPTIONS_INVALID`) for a limit that is not a positive integer. */
export function resolveRecordLimits(limits: RecordLimits = {}): ResolvedRecordLimits {
  const d = DEFAULT_RECORD_LIMITS;
  return {
    retentionMs: positiveInteger("retentionMs", limits.retentionMs, d.retentionMs),
    maxFutureMs: positiveInteger("maxFutureMs", limits.maxFutureMs, d.maxFutureMs),
    maxLabelsPerSeries: positiveInteger("maxLabelsPerSeries", limits.maxLabelsPerSeries, d.maxLabelsPerSeries),
    maxLabelValueBytes: positiveInteger("maxLabelValueBytes", limits.maxLabelValueBytes, d.maxLabelValueBytes),
    maxLabelNameBytes: positiveInteger("maxLabelNameBytes", limits.maxLabelNameBytes, d.maxLabelNameBytes),
    maxLabelBytesPerSeries: positiveInteger(
      "maxLabelBytesPerSeries",
      limits.maxLabelBytesPerSeries,
      d.maxLabelBytesPerSeries,
    ),
    maxSeriesPerRecord: positiveInteger("maxSeriesPerRecord", limits.maxSeriesPerRecord, d.maxSeriesPerRecord),
    maxLabelBytesPerRecord: positiveInteger(
      "maxLabelBytesPerRecord",
      limits.maxLabelBytesPerRecord,
      d.maxLabelBytesPerRecord,
    ),
  };
}

/** Issues of one record: the first few are listed, the rest counted in one last issue. */
class Issues {
  readonly list: RecordIssue[] = [];
  private extra = 0;
  add(path: string, message: string, reason: RefusalReason): void {
    if (this.list.length < LISTED) this.list.push({ path, message, reason });
    else this.extra++;
  }
  finish(): readonly RecordIssue[] | undefined {
    if (this.list.length === 0) return undefined;
    if (this.extra > 0)
      this.list.push({
        path: "",
        message: `and ${this.extra} more`,
        reason: (this.list[0] as RecordIssue).reason ?? "invalid_record",
      });
    return this.list;
  }
}

/**
 * Create the check that refuses what the target would drop or change without an error: timestamps
 * outside its retention and future limit (and ones that look like seconds, microseconds or
 * nanoseconds), label names, values and label counts beyond its limits; and records whose
 * expansion (series, label bytes × series) is beyond the bounds. Throws MetricFormatError for a
 * bad metric_format or limit.
 */
export function createRecordGuard(
  metricFormat: Readonly<Record<string, string>>,
  limits: RecordLimits = {},
): RecordGuard {
  const format = resolveMetricFormat(metricFormat);
  const resolved = resolveRecordLimits(limits);
  const retention = formatDuration(resolved.retentionMs);
  const maxFuture = formatDuration(resolved.maxFutureMs);
  const shapes = shapeOf(format);
  return {
    limits: resolved,
    check(input, now) {
      if (!isPlainObject(input)) return undefined;
      const issues = new Issues();
      const outputs = input.outputs;
      let count = 0;
      let longest = 0;
      if (isPlainObject(outputs)) {
        for (const variable in outputs) {
          count++;
          if (variable.length > longest) longest = variable.length;
        }
      }
      if (count > resolved.maxSeriesPerRecord) {
        issues.add(
          "outputs",
          `has ${count} output variables, each one series; the limit is ${resolved.maxSeriesPerRecord} per record (writer.limits.max_series_per_record)`,
          "record_too_large",
        );
        return issues.finish();
      }
      if (!surelyFits(input, count, longest, shapes, resolved))
        checkLabelSets(input, isPlainObject(outputs) ? Object.keys(outputs) : [], format, resolved, issues);
      const window: TimestampWindow = {
        min: now - resolved.retentionMs + TIMESTAMP_EDGE_MARGIN_MS,
        max: now + resolved.maxFutureMs - TIMESTAMP_EDGE_MARGIN_MS,
        retention,
        maxFuture,
      };
      checkTimestamps(input.timestamps, window, issues);
      return issues.finish();
    },
  };
}

function checkTimestamps(timestamps: unknown, window: TimestampWindow, issues: Issues): void {
  if (!Array.isArray(timestamps)) return;
  for (let i = 0; i < timestamps.length; i++) {
    const ts: unknown = timestamps[i];
    // Not a safe integer: safeParseRecord explains it.
    if (typeof ts !== "number" || !Number.isSafeInteger(ts)) continue;
    if (ts >= window.min && ts <= window.max && ts >= 1e11) continue;
    const message = describeTimestamp(ts, window);
    if (message !== undefined) issues.add(`timestamps[${i}]`, message, "invalid_timestamp");
  }
}

/** A label of the output label set and where it comes from (the path is made only for an issue). */
interface SourcedLabel {
  readonly value: string;
  readonly source: "labels" | "alias" | "query_key" | "outputs";
  readonly key: string;
}

function pathOf(label: SourcedLabel): string {
  if (label.source === "alias" || label.source === "query_key") return label.key;
  return propertyPath(label.source, label.key);
}

/** Per metric_format entry: its literal length and how often each placeholder occurs, for the quick bound. */
interface EntryShape {
  readonly fixedChars: number;
  readonly vars: number;
  readonly queryKeys: number;
}

function shapeOf(format: ResolvedMetricFormat): EntryShape[] {
  return format.entries.map((entry) => {
    let fixedChars = entry.name.length;
    let vars = 0;
    let queryKeys = 0;
    for (const part of entry.parts) {
      if (typeof part === "string") fixedChars += part.length;
      else if (part === VAR) vars++;
      else queryKeys++;
    }
    return { fixedChars, vars, queryKeys };
  });
}

/**
 * True when the record's label sets surely fit (UTF-16 length x 3 bounds UTF-8 bytes, and a label
 * count that ignores overlaps and empty values bounds the real one); false means "look closer".
 */
function surelyFits(
  input: Record<string, unknown>,
  series: number,
  longestVariable: number,
  shapes: readonly EntryShape[],
  limits: ResolvedRecordLimits,
): boolean {
  let count = 0;
  let chars = 0;
  const fits = (name: string, value: string) =>
    name.length * 3 <= limits.maxLabelNameBytes && value.length * 3 <= limits.maxLabelValueBytes;
  const labels = input.labels;
  if (isPlainObject(labels)) {
    for (const name in labels) {
      const value = labels[name];
      if (typeof value !== "string") continue;
      if (!fits(name, value)) return false;
      count++;
      chars += name.length + value.length;
    }
  }
  for (const alias of ALIASES) {
    const value = input[alias];
    if (typeof value !== "string") continue;
    if (!fits(alias, value)) return false;
    count++;
    chars += alias.length + value.length;
  }
  const queryKey = typeof input.query_key === "string" ? input.query_key.length : 0;
  for (const shape of shapes) {
    const entryChars = shape.fixedChars + shape.vars * longestVariable + shape.queryKeys * queryKey;
    if (entryChars * 3 > limits.maxLabelValueBytes) return false;
    count++;
    chars += entryChars;
  }
  return (
    count <= limits.maxLabelsPerSeries &&
    chars * 3 <= limits.maxLabelBytesPerSeries &&
    chars * 3 * series <= limits.maxLabelBytesPerRecord
  );
}

/** The labels every series of the record shares: input labels, then aliases (later wins; empty values left out). */
function sharedLabels(input: Record<string, unknown>, formatNames: ReadonlySet<string>): Map<string, SourcedLabel> {
  const shared = new Map<string, SourcedLabel>();
  const labels = input.labels;
  if (isPlainObject(labels)) {
    for (const name in labels) {
      const value = labels[name];
      if (typeof value !== "string" || formatNames.has(name)) continue;
      if (value === "") shared.delete(name);
      else shared.set(name, { value, source: "labels", key: name });
    }
  }
  for (const alias of ALIASES) {
    const value = input[alias];
    if (typeof value !== "string" || formatNames.has(alias)) continue;
    if (value === "") shared.delete(alias);
    else shared.set(alias, { value, source: "alias", key: alias });
  }
  return shared;
}

function checkLabel(name: string, label: SourcedLabel, limits: ResolvedRecordLimits, issues: Issues): void {
  if (exceedsUtf8(name, limits.maxLabelNameBytes)) {
    issues.add(
      pathOf(label),
      `label name takes ${utf8Length(name)} bytes, more than ${limits.maxLabelNameBytes}; VictoriaMetrics would cut it (writer.limits.max_label_name_bytes)`,
      "label_limit",
    );
  }
  if (exceedsUtf8(label.value, limits.maxLabelValueBytes)) {
    const what =
      label.source === "outputs" || label.source === "query_key"
        ? `the value of label ${JSON.stringify(name.slice(0, 64))} made from it`
        : "label value";
    issues.add(
      pathOf(label),
      `${what} takes ${utf8Length(label.value)} bytes, more than ${limits.maxLabelValueBytes}; VictoriaMetrics would cut it (-maxLabelValueLen; writer.limits.max_label_value_bytes)`,
      "label_limit",
    );
  }
}

/** Label names, values and counts of every series, and the record's label bytes × series. */
function checkLabelSets(
  input: Record<string, unknown>,
  variables: readonly string[],
  format: ResolvedMetricFormat,
  limits: ResolvedRecordLimits,
  issues: Issues,
): void {
  const formatNames = new Set(format.entries.map((entry) => entry.name));
  const shared = sharedLabels(input, formatNames);
  let sharedBytes = 0;
  for (const [name, label] of shared) {
    checkLabel(name, label, limits, issues);
    sharedBytes += utf8Length(name) + utf8Length(label.value);
  }
  const queryKey = typeof input.query_key === "string" ? input.query_key : "";
  let totalBytes = 0;
  let countReported = false;
  let bytesReported = false;
  for (let v = 0; v < variables.length; v++) {
    const variable = variables[v] as string;
    let count = shared.size;
    let bytes = sharedBytes;
    for (const entry of format.entries) {
      const value = renderEntry(entry, variable, queryKey);
      if (value === "") continue;
      count++;
      bytes += utf8Length(entry.name) + utf8Length(value);
      // A literal is the same for every series: checked once.
      if (entry.literal !== undefined && v > 0) continue;
      const fromQueryKey = entry.literal === undefined && value === queryKey;
      const label: SourcedLabel =
        entry.literal !== undefined
          ? { value, source: "labels", key: entry.name }
          : fromQueryKey
            ? { value, source: "query_key", key: "query_key" }
            : { value, source: "outputs", key: variable };
      checkLabel(entry.name, label, limits, issues);
    }
    if (count > limits.maxLabelsPerSeries && !countReported) {
      countReported = true;
      issues.add(
        "labels",
        `the series of ${propertyPath("outputs", variable)} would have ${count} labels (input labels, aliases and metric_format), more than ${limits.maxLabelsPerSeries}; VictoriaMetrics would drop the ones beyond (-maxLabelsPerTimeseries; writer.limits.max_labels_per_series)`,
        "label_limit",
      );
    }
    if (bytes > limits.maxLabelBytesPerSeries && !bytesReported) {
      bytesReported = true;
      issues.add(
        "labels",
        `the series of ${propertyPath("outputs", variable)} would have ${bytes} bytes of label names and values, more than ${limits.maxLabelBytesPerSeries}; VictoriaMetrics 1.79 loses such series (writer.limits.max_label_bytes_per_series)`,
        "label_limit",
      );
    }
    totalBytes += bytes;
  }
  if (totalBytes > limits.maxLabelBytesPerRecord) {
    issues.add(
      "",
      `the record expands to ${variables.length} series of ${totalBytes} label bytes in all, more than ${limits.maxLabelBytesPerRecord} (writer.limits.max_label_bytes_per_record)`,
      "record_too_large",
    );
  }
}
