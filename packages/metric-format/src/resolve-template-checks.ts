import { createLabelLimitChecker, type LabelLimitChecker } from "./create-label-limit-checker.ts";
import type { RecordEncoderOptions } from "./create-record-encoder.ts";
import type { TemplateLimits } from "./create-template-path.ts";
import { isPlainObject } from "./is-plain-object.ts";
import type { ModelOutputRecord } from "./types.ts";

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

/** The input as a record when it has a record's shape for a template path (a string query key, object labels and outputs, an array of timestamps); the template path checks the rest. */
export function asTemplateInput(input: unknown): ModelOutputRecord | undefined {
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
