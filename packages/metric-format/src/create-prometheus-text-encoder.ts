import { buildLabelSet } from "./build-label-set.ts";
import { classifyValue } from "./classify-value.ts";
import type { LabelLimitChecker } from "./create-label-limit-checker.ts";
import type { EncodedRecord, RecordEncoderOptions } from "./create-record-encoder.ts";
import { createTextTemplatePath } from "./create-text-template-path.ts";
import { escapeLabelValue } from "./escape-label-value.ts";
import { isPrometheusName } from "./is-prometheus-name.ts";
import { resolveMaxLineBytes } from "./push-series-lines.ts";
import { type ResolvedMetricFormat, resolveMetricFormat } from "./resolve-metric-format.ts";
import { encodeIfTemplate, resolveTemplateChecks } from "./resolve-template-checks.ts";
import type { ModelOutputRecord } from "./types.ts";
import { utf8Length } from "./utf8-length.ts";

/** Options of createPrometheusTextEncoder: those of the JSON-lines encoder that apply. */
export type PrometheusTextEncoderOptions = Pick<
  RecordEncoderOptions,
  "metricFormat" | "maxLineBytes" | "onLabelWarning" | "labelLimits" | "templatePath"
>;

/**
 * Encodes single-point records as Prometheus text for `/api/v1/import/prometheus`
 * (`name{k="v",...} value timestamp_ms` lines), where VictoriaMetrics reads them for less CPU
 * than the same points as JSON lines. Everything it cannot carry exactly it leaves to the JSON
 * encoder by answering undefined.
 */
export interface PrometheusTextEncoder {
  /**
   * One record (from parseRecord) as Prometheus text, or undefined when the record should go as
   * JSON lines: more than one timestamp, timestamp 0, a metric or label name outside the
   * Prometheus grammar, a line over maxLineBytes, or anything the JSON encoder would refuse (it
   * then reports it). May throw the RecordError the JSON encoder throws for an empty metric name.
   * Label sets, values and the number text are those the JSON encoder writes.
   */
  encode(record: ModelOutputRecord): EncodedRecord | undefined;
  /**
   * Validate and encode an unchecked input in one pass when it is a common, valid single-point
   * record that Prometheus text can carry; undefined otherwise. What it returns is what
   * `encode(safeParseRecord(input).output)` returns.
   */
  encodeIfValid(input: unknown): EncodedRecord | undefined;
}

/**
 * Create the Prometheus-text encoder. Each label value is escaped (`\\`, `\"`, `\n`), each value
 * is JavaScript's shortest round-trip text of the double (the same text the JSON encoder writes,
 * which VictoriaMetrics parses to the same float64), each timestamp integer milliseconds.
 * Throws MetricFormatError for a bad metric_format or option.
 */
export function createPrometheusTextEncoder(options: PrometheusTextEncoderOptions): PrometheusTextEncoder {
  const format: ResolvedMetricFormat = resolveMetricFormat(options.metricFormat);
  const maxLineBytes = resolveMaxLineBytes(options.maxLineBytes);
  const { checker, limits } = resolveTemplateChecks(options);
  const template = options.templatePath === false ? undefined : createTextTemplatePath(format, maxLineBytes, limits);
  return {
    encodeIfValid: (input) => encodeIfTemplate(template, input),
    encode(record) {
      return template?.(record) ?? encodeGeneral(record, format, maxLineBytes, checker);
    },
  };
}

/**
 * The general path: label sets built as the JSON encoder builds them (clashes resolved, empty
 * values left out, lone surrogates replaced), then checked against the Prometheus grammar.
 */
function encodeGeneral(
  record: ModelOutputRecord,
  format: ResolvedMetricFormat,
  maxLineBytes: number,
  checker: LabelLimitChecker | undefined,
): EncodedRecord | undefined {
  const timestamps = record.timestamps;
  const timestamp = timestamps[0];
  if (timestamps.length !== 1 || timestamp === undefined || !Number.isSafeInteger(timestamp) || timestamp <= 0)
    return undefined;
  const end = ` ${timestamp}\n`;
  const lines: string[] = [];
  const labelSets: Readonly<Record<string, string>>[] = [];
  let nan = 0;
  let inf = 0;
  for (const variable in record.outputs) {
    const raw = record.outputs[variable] as readonly unknown[];
    if (raw.length !== 1) return undefined;
    const value = raw[0];
    const kind = classifyValue(value);
    if (kind === "invalid") return undefined;
    if (kind !== "finite") {
      if (kind === "nan") nan++;
      else inf++;
      continue;
    }
    const labels = buildLabelSet(format, record, variable);
    const line = formatTextLine(labels, `${value as number}`, end);
    if (line === undefined || utf8Length(line) > maxLineBytes) return undefined;
    lines.push(line);
    labelSets.push(labels);
  }
  // Checked once the record is known to go as text (else the JSON encoder checks it).
  if (checker) for (const labels of labelSets) checker.check(labels);
  const text = lines.join("");
  return {
    text,
    bytes: utf8Length(text),
    lines,
    series: lines.length,
    datapoints: lines.length,
    dropped: { nan, inf },
    labelSets,
  };
}

/** One line of a label set, or undefined when a name is outside the Prometheus grammar. */
function formatTextLine(labels: Readonly<Record<string, string>>, valueText: string, end: string): string | undefined {
  const name = labels.__name__;
  if (name === undefined || !isPrometheusName(name, "metric")) return undefined;
  let inner = "";
  for (const key in labels) {
    if (key === "__name__") continue;
    if (!isPrometheusName(key, "label")) return undefined;
    inner += `${inner === "" ? "" : ","}${key}="${escapeLabelValue(labels[key] as string)}"`;
  }
  return inner === "" ? `${name} ${valueText}${end}` : `${name}{${inner}} ${valueText}${end}`;
}
