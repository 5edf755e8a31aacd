import { createLabelLimitChecker, type LabelLimitChecker } from "./create-label-limit-checker.ts";
import type { EncodedRecord, RecordEncoderOptions } from "./create-record-encoder.ts";
import { isPlainObject } from "./is-plain-object.ts";
import { type ResolvedMetricFormat, renderEntry } from "./resolve-metric-format.ts";
import type { ModelOutputRecord } from "./types.ts";
import { SURROGATE } from "./well-formed.ts";

/**
 * The label-limit checker of an encoder (when it warns) and the limits its template path must stay
 * clear of (beyond them the general path warns); the same for the JSON and the text encoder.
 */
export function resolveTemplateChecks(options: Pick<RecordEncoderOptions, "onLabelWarning" | "labelLimits">): {
  readonly checker: LabelLimitChecker | undefined;
  readonly limits: TemplateLimits | undefined;
} {
  if (!options.onLabelWarning) return { checker: undefined, limits: undefined };
  const checker = createLabelLimitChecker({ ...options.labelLimits, onWarning: options.onLabelWarning });
  const limits = {
    maxLabels: options.labelLimits?.maxLabels ?? 40,
    maxValueBytes: options.labelLimits?.maxValueBytes ?? 4096,
    maxNameBytes: options.labelLimits?.maxNameBytes ?? 256,
  };
  return { checker, limits };
}

/** Label limits the fast path must stay clear of (beyond them the general path warns). */
export interface TemplateLimits {
  readonly maxLabels: number;
  readonly maxValueBytes: number;
  readonly maxNameBytes: number;
}

/**
 * The metric_format labels of one (query key, variable) for a template path: the metric name and
 * the other keys with a non-empty value, in order; null when the general path must decide (a lone
 * surrogate, a label beyond a limit). Each path checks and writes them in its own syntax.
 */
export function renderFormatLabels(
  entries: ResolvedMetricFormat["entries"],
  queryKey: string,
  variable: string,
  limits: TemplateLimits | undefined,
): { readonly name: string; readonly others: readonly (readonly [string, string])[] } | null {
  if (SURROGATE.test(queryKey) || SURROGATE.test(variable)) return null;
  let name = "";
  const others: [string, string][] = [];
  for (const entry of entries) {
    const value = renderEntry(entry, variable, queryKey);
    if (SURROGATE.test(value)) return null;
    if (entry.name === "__name__") name = value;
    else if (value !== "") {
      const tooLong =
        limits &&
        (Buffer.byteLength(value) > limits.maxValueBytes || Buffer.byteLength(entry.name) > limits.maxNameBytes);
      if (tooLong) return null;
      others.push([entry.name, value]);
    }
  }
  return { name, others };
}

/** A template path's answer for an unchecked input: undefined without a template path, for an input not shaped like a record, or where the template path declines. */
export function encodeIfTemplate(
  template: ((record: ModelOutputRecord) => EncodedRecord | undefined) | undefined,
  input: unknown,
): EncodedRecord | undefined {
  if (template === undefined) return undefined;
  const record = asTemplateInput(input);
  return record === undefined ? undefined : template(record);
}

/** The input as a record when it has a record's shape for a template path (a string query key, object labels and outputs, an array of timestamps); the template path checks the rest. */
function asTemplateInput(input: unknown): ModelOutputRecord | undefined {
  if (!isPlainObject(input)) return undefined;
  const { query_key: queryKey, labels, timestamps, outputs } = input;
  if (
    typeof queryKey !== "string" ||
    queryKey === "" ||
    !isPlainObject(labels) ||
    !Array.isArray(timestamps) ||
    !isPlainObject(outputs)
  ) {
    return undefined;
  }
  return input as unknown as ModelOutputRecord;
}
