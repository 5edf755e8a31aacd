import { MetricFormatError } from "./errors.ts";
import { toWellFormed } from "./well-formed.ts";

/** A placeholder inside a metric_format value. */
export const VAR = 0;
export const QUERY_KEY = 1;
type TemplatePart = string | typeof VAR | typeof QUERY_KEY;

/** One metric_format key, its value split into literal text and placeholders. */
export interface MetricFormatEntry {
  readonly name: string;
  /** The value when it has no placeholder. */
  readonly literal: string | undefined;
  readonly parts: readonly TemplatePart[];
}

/** A checked and pre-split metric_format. */
export interface ResolvedMetricFormat {
  readonly entries: readonly MetricFormatEntry[];
  readonly source: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\$(VAR|QUERY_KEY)/g;
const resolved = new WeakMap<object, ResolvedMetricFormat>();

function split(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of value.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(value.slice(last, match.index));
    parts.push(match[1] === "VAR" ? VAR : QUERY_KEY);
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push(value.slice(last));
  return parts;
}

/**
 * Check a metric_format (an object of string values with a non-empty `__name__`, and `$VAR` in
 * at least one value so that the output variables become distinct series) and pre-split its
 * values. Throws MetricFormatError (code `METRIC_FORMAT_INVALID`). Results are cached per object.
 */
export function resolveMetricFormat(metricFormat: Readonly<Record<string, string>>): ResolvedMetricFormat {
  const cached = resolved.get(metricFormat);
  if (cached) return cached;
  if (typeof metricFormat !== "object" || metricFormat === null || Array.isArray(metricFormat)) {
    throw new MetricFormatError(
      "METRIC_FORMAT_INVALID",
      "metric_format must be an object mapping label names to string templates",
    );
  }
  const entries: MetricFormatEntry[] = [];
  let hasVar = false;
  for (const name of Object.keys(metricFormat)) {
    const value: unknown = metricFormat[name];
    if (name === "") throw new MetricFormatError("METRIC_FORMAT_INVALID", "metric_format has an empty label name");
    if (typeof value !== "string") {
      throw new MetricFormatError(
        "METRIC_FORMAT_INVALID",
        `metric_format.${name} must be a string, got ${value === null ? "null" : typeof value}`,
      );
    }
    const parts = split(value);
    if (parts.includes(VAR)) hasVar = true;
    entries.push({
      name: toWellFormed(name),
      literal: parts.some((part) => typeof part !== "string") ? undefined : value,
      parts,
    });
  }
  const name = metricFormat.__name__;
  if (typeof name !== "string" || name === "") {
    throw new MetricFormatError(
      "METRIC_FORMAT_INVALID",
      'metric_format must have a non-empty "__name__", e.g. "vmanomaly_$VAR"',
    );
  }
  if (!hasVar) {
    throw new MetricFormatError(
      "METRIC_FORMAT_INVALID",
      'metric_format must use the "$VAR" placeholder in a value (usually "__name__"), or all output variables would write the same series',
    );
  }
  const result: ResolvedMetricFormat = { entries, source: metricFormat };
  resolved.set(metricFormat, result);
  return result;
}

/** The value of one metric_format entry for an output variable and a query key. */
export function renderEntry(entry: MetricFormatEntry, variable: string, queryKey: string): string {
  if (entry.literal !== undefined) return entry.literal;
  let text = "";
  for (const part of entry.parts) text += part === VAR ? variable : part === QUERY_KEY ? queryKey : part;
  return text;
}
