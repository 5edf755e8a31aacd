import { hashLabelSet, RememberedSet } from "@anomaly-writer/common";
import { MetricFormatError } from "./errors.ts";
import { summarizeLabels } from "./summarize-labels.ts";
import type { LabelLimitWarning } from "./types.ts";
import { exceedsUtf8, utf8Length } from "./utf8-length.ts";

/** Options of createLabelLimitChecker. The defaults are VictoriaMetrics' current ones. */
export interface LabelLimitCheckerOptions {
  /** `-maxLabelsPerTimeseries`, `__name__` included. Default 40 (VictoriaMetrics 1.79: 30). */
  readonly maxLabels?: number;
  /** `-maxLabelValueLen` in bytes. Default 4096 (VictoriaMetrics 1.79: 16384). */
  readonly maxValueBytes?: number;
  /** `-maxLabelNameLen` in bytes. Default 256. */
  readonly maxNameBytes?: number;
  /** How many offending label sets are remembered to warn only once each. Default 10 000. */
  readonly maxRemembered?: number;
  readonly onWarning: (warning: LabelLimitWarning) => void;
}

/** Checks label sets against VictoriaMetrics' label limits. */
export interface LabelLimitChecker {
  /** Report each limit the label set breaks, once per label set. */
  check(labels: Readonly<Record<string, string>>): void;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new MetricFormatError("OPTIONS_INVALID", `${name} must be a positive integer, got ${String(value)}`);
  return value;
}

const AFTERMATH = "VictoriaMetrics drops or truncates such series without an error (it answers 204)";

/**
 * Warn before sending series VictoriaMetrics would silently drop or mangle: more than
 * `maxLabels` labels, a label value over `maxValueBytes`, a label name over `maxNameBytes`.
 * Each label set is reported once (memory stays bounded by `maxRemembered`).
 */
export function createLabelLimitChecker(options: LabelLimitCheckerOptions): LabelLimitChecker {
  const maxLabels = positiveInteger("maxLabels", options.maxLabels, 40);
  const maxValueBytes = positiveInteger("maxValueBytes", options.maxValueBytes, 4096);
  const maxNameBytes = positiveInteger("maxNameBytes", options.maxNameBytes, 256);
  const remembered = new RememberedSet(positiveInteger("maxRemembered", options.maxRemembered, 10_000));
  const onWarning = options.onWarning;

  return {
    check(labels) {
      let count = 0;
      let longName: string | undefined;
      let longValueName: string | undefined;
      for (const name in labels) {
        count++;
        if (longName === undefined && exceedsUtf8(name, maxNameBytes)) longName = name;
        if (longValueName === undefined && exceedsUtf8(labels[name] as string, maxValueBytes)) longValueName = name;
      }
      if (count <= maxLabels && longName === undefined && longValueName === undefined) return;
      if (!remembered.add(hashLabelSet(labels))) return;
      const series = summarizeLabels(labels);
      if (count > maxLabels) {
        onWarning({
          kind: "too_many_labels",
          labels,
          message: `[metric-format] series ${series} has ${count} labels, more than ${maxLabels} (-maxLabelsPerTimeseries); ${AFTERMATH}`,
        });
      }
      if (longValueName !== undefined) {
        const bytes = utf8Length(labels[longValueName] as string);
        onWarning({
          kind: "label_value_too_long",
          labels,
          message: `[metric-format] series ${series}: the value of label ${JSON.stringify(longValueName.slice(0, 64))} takes ${bytes} bytes, more than ${maxValueBytes} (-maxLabelValueLen); ${AFTERMATH}`,
        });
      }
      if (longName !== undefined) {
        onWarning({
          kind: "label_name_too_long",
          labels,
          message: `[metric-format] series ${series}: label name ${JSON.stringify(`${longName.slice(0, 64)}…`)} takes ${utf8Length(longName)} bytes, more than ${maxNameBytes} (-maxLabelNameLen); ${AFTERMATH}`,
        });
      }
    },
  };
}
