import { classifyValue } from "./classify-value.ts";
import { createPiecesCache } from "./create-pieces-cache.ts";
import type { EncodedRecord } from "./create-record-encoder.ts";
import { createSharedAliases } from "./create-shared-aliases.ts";
import { LazyRecord } from "./create-template-path.ts";
import { escapeLabelValue } from "./escape-label-value.ts";
import { isPrometheusName } from "./is-prometheus-name.ts";
import type { ResolvedMetricFormat } from "./resolve-metric-format.ts";
import { renderFormatLabels, type TemplateLimits } from "./resolve-template-checks.ts";
import type { DroppedPoints, ModelOutputRecord } from "./types.ts";
import { SURROGATE } from "./well-formed.ts";

const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;
/** What a label value needs beyond quoting: escaping, or the general path (a lone surrogate). */
const SPECIAL = /[\\"\n\ud800-\udfff]/;
/** Label names seen, and whether each is a Prometheus label name (bounded: names repeat). */
const NAME_MEMORY = 1000;

/** The metric_format part of a line for one (query key, variable). */
interface TextPieces {
  /** The metric name (ASCII: it matched the Prometheus grammar). */
  readonly name: string;
  /** `,k="v"` for every other metric_format key with a non-empty value. */
  readonly tail: string;
  /** `{k="v",...` of the tail alone (a record without labels or aliases). */
  readonly tailOpen: string;
  /** UTF-8 bytes of tail. */
  readonly tailBytes: number;
  /** Labels of the line it makes, `__name__` included. */
  readonly labels: number;
}

/**
 * The Prometheus-text twin of the JSON template path (`createTemplatePath`): for a common
 * single-point record, each line `name{labels} value timestamp` is built from one text of the
 * record's input labels and aliases and cached metric_format pieces, with no label set built.
 * It answers only where `safeParseRecord` accepts the record and the JSON general path would
 * write the same label sets; it returns undefined (the caller goes on with the general paths)
 * for anything unusual: more than one timestamp, timestamp 0 (VictoriaMetrics reads it as "now"),
 * a metric or label name outside the Prometheus grammar, an input label named like a
 * metric_format key or an alias, an empty label value, a lone surrogate, a label near a limit, a
 * line over maxLineBytes, or a value that is not a number.
 */
export function createTextTemplatePath(
  format: ResolvedMetricFormat,
  maxLineBytes: number,
  limits: TemplateLimits | undefined,
) {
  const entries = format.entries;
  const formatNames = entries.map((e) => e.name);
  const reserved = [...new Set([...formatNames, ...ALIASES])];
  const eligible =
    formatNames.every((name) => name === "__name__" || isPrometheusName(name, "label")) &&
    !formatNames.some((name) => (ALIASES as readonly string[]).includes(name));
  const piecesOf = createPiecesCache((queryKey, variable) => textPiecesOf(entries, queryKey, variable, limits));
  const labelNames = new Map<string, boolean>();

  // Records of one inference share their aliases and their timestamp: their text is made once.
  const sharedAliasesOf = createSharedAliases(limits, (name, value) => `,${name}="${escapeLabelValue(value)}"`);
  let lastTimestamp = -1;
  let lastTimestampText = "";
  const dropped: DroppedPoints = { nan: 0, inf: 0 };

  return (record: ModelOutputRecord): EncodedRecord | undefined => {
    const timestamps: unknown = record.timestamps;
    if (!eligible || !Array.isArray(timestamps) || timestamps.length !== 1) return undefined;
    const timestamp: unknown = timestamps[0];
    if (timestamp !== lastTimestamp) {
      // 0 is valid input, but VictoriaMetrics' Prometheus parser reads it as "now": JSON lines keep it.
      if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp <= 0) return undefined;
      lastTimestamp = timestamp;
      lastTimestampText = `${timestamp}`;
    }
    const own = inputLabelText(record.labels, reserved, limits, labelNames);
    if (own === undefined) return undefined;
    const aliases = sharedAliasesOf(record);
    if (aliases === undefined) return undefined;
    const body = own.text + aliases.text;
    const bodyOpen = body === "" ? "" : `{${body.slice(1)}`;
    const bodyBytes = own.bytes + aliases.bytes;
    const end = ` ${lastTimestampText}\n`;
    const outputs = record.outputs;
    dropped.nan = 0;
    dropped.inf = 0;
    let text = "";
    let bytes = 0;
    const variables: string[] = [];
    let variableCount = 0;
    for (const variable in outputs) {
      const raw: unknown = outputs[variable];
      if (!Array.isArray(raw) || raw.length !== 1 || variable === "") return undefined;
      variableCount++;
      const pieces = piecesOf(record.query_key, variable);
      if (pieces === null) return undefined;
      if (limits && pieces.labels + own.labels + aliases.labels > limits.maxLabels) return undefined;
      const value: unknown = raw[0];
      if (typeof value !== "number" || value - value !== 0) {
        const kind = classifyValue(value);
        if (kind === "invalid") return undefined; // the general path reports the error
        dropped[kind === "nan" ? "nan" : "inf"]++;
        continue;
      }
      const valueText = `${value}`;
      let head: string;
      let headBytes: number;
      if (body !== "") {
        head = `${pieces.name}${bodyOpen}${pieces.tail}} `;
        headBytes = pieces.name.length + bodyBytes + pieces.tailBytes + 2;
      } else if (pieces.tail !== "") {
        head = `${pieces.name}${pieces.tailOpen}} `;
        headBytes = pieces.name.length + pieces.tailBytes + 2;
      } else {
        head = `${pieces.name} `;
        headBytes = pieces.name.length + 1;
      }
      const lineBytes = headBytes + valueText.length + end.length;
      if (lineBytes > maxLineBytes) return undefined;
      text += head + valueText + end;
      bytes += lineBytes;
      variables.push(variable);
    }
    if (variableCount === 0) return undefined;
    return new LazyRecord(
      text,
      bytes,
      variables.length,
      { nan: dropped.nan, inf: dropped.inf },
      format,
      record,
      variables,
    );
  };
}

/** The metric name and the other metric_format labels of one (query key, variable); null when the general path must decide. */
function textPiecesOf(
  entries: ResolvedMetricFormat["entries"],
  queryKey: string,
  variable: string,
  limits: TemplateLimits | undefined,
): TextPieces | null {
  const rendered = renderFormatLabels(entries, queryKey, variable, limits);
  if (rendered === null || !isPrometheusName(rendered.name, "metric")) return null;
  let tail = "";
  for (const [name, value] of rendered.others) tail += `,${name}="${escapeLabelValue(value)}"`;
  return {
    name: rendered.name,
    tail,
    tailOpen: tail === "" ? "" : `{${tail.slice(1)}`,
    tailBytes: Buffer.byteLength(tail),
    labels: rendered.others.length + 1,
  };
}

/**
 * The input labels as `,k="v"` text, or undefined when they need the general path: a name
 * outside the Prometheus grammar or named like a metric_format key or an alias, a value that is
 * not a non-empty string without lone surrogates (the record may come unvalidated), one near a
 * label limit.
 */
function inputLabelText(
  labels: Readonly<Record<string, string>>,
  reserved: readonly string[],
  limits: TemplateLimits | undefined,
  names: Map<string, boolean>,
): { text: string; bytes: number; labels: number } | undefined {
  if (typeof labels !== "object" || labels === null || Array.isArray(labels)) return undefined;
  for (const name of reserved) if (labels[name] !== undefined) return undefined;
  let text = "";
  let count = 0;
  for (const name in labels) {
    const value: unknown = labels[name];
    if (typeof value !== "string" || value === "") return undefined;
    let valid = names.get(name);
    if (valid === undefined) {
      valid = isPrometheusName(name, "label");
      if (names.size >= NAME_MEMORY) names.clear();
      names.set(name, valid);
    }
    if (!valid) return undefined;
    // UTF-16 length x 3 bounds the UTF-8 length: only near a limit does the general path decide.
    if (limits && (name.length > limits.maxNameBytes || value.length * 3 > limits.maxValueBytes)) return undefined;
    if (SPECIAL.test(value)) {
      if (SURROGATE.test(value)) return undefined;
      text += `,${name}="${escapeLabelValue(value)}"`;
    } else text += `,${name}="${value}"`;
    count++;
  }
  return { text, bytes: Buffer.byteLength(text), labels: count };
}
