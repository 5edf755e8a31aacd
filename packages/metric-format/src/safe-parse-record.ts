import { classifyValue } from "./classify-value.ts";
import { isPlainObject } from "./is-plain-object.ts";
import { describeValue, propertyPath } from "./issue-path.ts";
import type { ModelOutputRecord, RawValue, RecordIssue, RefusalReason } from "./types.ts";

/** The result of safeParseRecord. */
export type SafeParseRecordResult =
  | { readonly success: true; readonly output: ModelOutputRecord }
  | { readonly success: false; readonly issues: readonly RecordIssue[] };

/** Issues listed per record; a summary issue stands for the rest (a 10 000-point record can be all wrong). */
const MAX_ISSUES = 20;
const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;

class IssueCollector {
  readonly issues: RecordIssue[] = [];
  private extra = 0;

  add(path: string, message: string, reason?: RefusalReason): void {
    if (this.issues.length < MAX_ISSUES)
      this.issues.push(reason === undefined ? { path, message } : { path, message, reason });
    else this.extra++;
  }

  get empty(): boolean {
    return this.issues.length === 0;
  }

  finish(): readonly RecordIssue[] {
    if (this.extra > 0)
      this.issues.push({ path: "", message: `${this.extra} more issue${this.extra === 1 ? "" : "s"} not listed` });
    return this.issues;
  }
}

function checkLabels(labels: unknown, issues: IssueCollector): void {
  if (!isPlainObject(labels)) {
    issues.add("labels", `must be an object of string label values, got ${describeValue(labels)}`);
    return;
  }
  for (const name of Object.keys(labels)) {
    const value = labels[name];
    if (name === "")
      issues.add(
        propertyPath("labels", name),
        "label name must not be empty (VictoriaMetrics would take it for the metric name)",
      );
    else if (typeof value !== "string")
      issues.add(propertyPath("labels", name), `label value must be a string, got ${describeValue(value)}`);
  }
}

function checkTimestamps(timestamps: unknown, issues: IssueCollector): timestamps is readonly unknown[] {
  if (!Array.isArray(timestamps)) {
    issues.add(
      "timestamps",
      `must be an array of integer Unix milliseconds, got ${describeValue(timestamps)}`,
      "invalid_timestamp",
    );
    return false;
  }
  for (let i = 0; i < timestamps.length; i++) {
    const ts: unknown = timestamps[i];
    if (typeof ts === "number" && Number.isSafeInteger(ts) && ts >= 0) continue;
    let message: string;
    if (typeof ts !== "number") message = `must be an integer Unix millisecond timestamp, got ${describeValue(ts)}`;
    else if (!Number.isInteger(ts))
      message = `must be an integer Unix millisecond timestamp, got ${describeValue(ts)} (VictoriaMetrics skips lines with fractional timestamps)`;
    else if (ts < 0)
      message = `must not be negative, got ${String(ts)} (VictoriaMetrics rejects timestamps before 1970)`;
    else if (ts >= 1e17 && ts < 1e20)
      message = `timestamp ${String(ts)} looks like nanoseconds; timestamps are Unix milliseconds`;
    else message = `is too large to be a millisecond timestamp: ${String(ts)}`;
    issues.add(`timestamps[${i}]`, message, "invalid_timestamp");
  }
  return true;
}

function checkOutputs(outputs: unknown, length: number | undefined, issues: IssueCollector): void {
  if (!isPlainObject(outputs)) {
    issues.add("outputs", `must be an object mapping output variables to value arrays, got ${describeValue(outputs)}`);
    return;
  }
  const variables = Object.keys(outputs);
  if (variables.length === 0) {
    issues.add("outputs", "must contain at least one output variable (anomaly_score, yhat...)");
    return;
  }
  for (const variable of variables) {
    const path = propertyPath("outputs", variable);
    const values = outputs[variable];
    if (variable === "") {
      issues.add(path, "output variable name must not be empty");
      continue;
    }
    if (!Array.isArray(values)) {
      issues.add(path, `must be an array of values, got ${describeValue(values)}`);
      continue;
    }
    if (length !== undefined && values.length !== length) {
      issues.add(path, `has ${values.length} value${values.length === 1 ? "" : "s"} but timestamps has ${length}`);
    }
    for (let i = 0; i < values.length; i++) {
      const value: unknown = values[i];
      if (classifyValue(value) === "invalid") {
        issues.add(`${path}[${i}]`, `must be a number, null, "NaN", "Inf" or "-Inf", got ${describeValue(value)}`);
      }
    }
  }
}

/**
 * Validate one model-output record (spec §2) without throwing. Unknown top-level keys are ignored;
 * `null` aliases count as absent. The output is a new object holding only the known fields (the
 * label, timestamp and output containers are the input's own, not copies).
 */
export function safeParseRecord(input: unknown): SafeParseRecordResult {
  const issues = new IssueCollector();
  if (!isPlainObject(input)) {
    issues.add("", `a record must be a JSON object, got ${describeValue(input)}`);
    return { success: false, issues: issues.finish() };
  }
  const queryKey = input.query_key;
  if (typeof queryKey !== "string" || queryKey === "") {
    issues.add("query_key", `must be a non-empty string, got ${describeValue(queryKey)}`);
  }
  checkLabels(input.labels, issues);
  const timestampsOk = checkTimestamps(input.timestamps, issues);
  checkOutputs(input.outputs, timestampsOk ? (input.timestamps as readonly unknown[]).length : undefined, issues);
  const aliases: { model_alias?: string; scheduler_alias?: string; preset?: string } = {};
  for (const key of ALIASES) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    if (typeof value === "string") aliases[key] = value;
    else issues.add(key, `must be a string when present, got ${describeValue(value)}`);
  }
  if (!issues.empty) return { success: false, issues: issues.finish() };
  const output: ModelOutputRecord = {
    query_key: queryKey as string,
    labels: input.labels as Readonly<Record<string, string>>,
    timestamps: input.timestamps as readonly number[],
    outputs: input.outputs as Readonly<Record<string, readonly RawValue[]>>,
    ...aliases,
  };
  return { success: true, output };
}
