import { buildLabelSet } from "./build-label-set.ts";
import { classifyValue } from "./classify-value.ts";
import { createPiecesCache } from "./create-pieces-cache.ts";
import type { EncodedRecord } from "./create-record-encoder.ts";
import { createSharedAliases } from "./create-shared-aliases.ts";
import type { ResolvedMetricFormat } from "./resolve-metric-format.ts";
import { renderFormatLabels, type TemplateLimits } from "./resolve-template-checks.ts";
import type { DroppedPoints, ModelOutputRecord } from "./types.ts";
import { SURROGATE } from "./well-formed.ts";

const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;
const MIDDLE = '],"timestamps":[';
const END = "]}\n";

/** The metric_format part of the prefix for one (query key, variable). */
interface Pieces {
  /** `"__name__":"..."`. */
  readonly head: string;
  /** `,"k":"v"` for every other metric_format key with a non-empty value. */
  readonly tail: string;
  /** UTF-8 bytes of head and tail. */
  readonly bytes: number;
  readonly labels: number;
}

/** What a record's outputs dropped so far, and the timestamps kept by the last output. */
interface ValueTally extends DroppedPoints {
  kept: string[] | undefined;
}

/** The `"__name__":...` head and the `,"k":"v"` tail of one (query key, variable); null when it needs the general path. */
function jsonPiecesOf(
  entries: ResolvedMetricFormat["entries"],
  queryKey: string,
  variable: string,
  limits: TemplateLimits | undefined,
): Pieces | null {
  const rendered = renderFormatLabels(entries, queryKey, variable, limits);
  if (rendered === null || rendered.name === "") return null;
  const head = `"__name__":${JSON.stringify(rendered.name)}`;
  let tail = "";
  for (const [name, value] of rendered.others) tail += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  return { head, tail, bytes: Buffer.byteLength(head) + Buffer.byteLength(tail), labels: rendered.others.length + 1 };
}

/**
 * The encoder's fast path for the common record: the `{"metric":{...},"values":[` prefix is built
 * as text from one `JSON.stringify(record.labels)` and cached metric_format pieces, so it needs no
 * label cache (the first inference is as fast as the next). It writes byte for byte what the
 * general path writes: the label order is the same (`__name__`, input labels, aliases, the other
 * metric_format keys) and JSON.stringify escapes alike. Returns undefined (use the general path)
 * for anything unusual: an input label named like a metric_format key or an alias, an empty
 * label value, a lone surrogate, integer-like label names (JSON orders them first), a label near
 * a limit, an empty metric name, a line over maxLineBytes, or a value that is not a number.
 */
export function createTemplatePath(
  format: ResolvedMetricFormat,
  maxLineBytes: number,
  limits: TemplateLimits | undefined,
) {
  const entries = format.entries;
  const formatNames = entries.map((e) => e.name);
  const reserved = [...new Set([...formatNames, ...ALIASES])];
  const eligible =
    formatNames.every((name) => name !== "" && !SURROGATE.test(name) && !/^\d/.test(name)) &&
    !formatNames.some((name) => (ALIASES as readonly string[]).includes(name));
  const piecesOf = createPiecesCache((queryKey, variable) => jsonPiecesOf(entries, queryKey, variable, limits));

  const sharedAliasesOf = createSharedAliases(limits, (name, value) => `,"${name}":${JSON.stringify(value)}`);

  // An inference stamps all its records alike: the last text is reused.
  let lastTimestamp = -1;
  let lastTimestampText = "";
  /** The timestamps as text, or undefined when one is not a safe non-negative integer. */
  const timestampTextsOf = (timestamps: readonly number[]): string[] | undefined => {
    const count = timestamps.length;
    const texts = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const t = timestamps[i] as number;
      if (t !== lastTimestamp) {
        if (!Number.isSafeInteger(t) || t < 0) return undefined;
        lastTimestamp = t;
        lastTimestampText = `${t}`;
      }
      texts[i] = lastTimestampText;
    }
    return texts;
  };

  // Reset for each record; one object for all of them.
  const tally: ValueTally = { nan: 0, inf: 0, kept: undefined };

  // No closure is made per record, and none captures the text built in this loop (see LazyRecord).
  return (record: ModelOutputRecord): EncodedRecord | undefined => {
    if (!eligible) return undefined;
    const inputLabels = countTemplateLabels(record.labels, reserved, limits);
    if (inputLabels < 0) return undefined;
    const json = JSON.stringify(record.labels);
    const first = json.charCodeAt(2);
    if ((first >= 48 && first <= 57) || json.includes(':""') || json.includes("\\ud")) return undefined;
    const aliasPart = sharedAliasesOf(record);
    if (aliasPart === undefined) return undefined;
    const inner = json.length > 2 ? `,${json.slice(1, -1)}${aliasPart.text}` : aliasPart.text;
    // From the flat JSON text: measuring `inner` itself would flatten it first.
    const innerBytes = (json.length > 2 ? Buffer.byteLength(json) - 1 : 0) + aliasPart.bytes;
    const timestampTexts = timestampTextsOf(record.timestamps);
    if (timestampTexts === undefined) return undefined;

    const outputs = record.outputs;
    // Not timestampTexts.length: an unvalidated record's timestamps may have no length.
    const count = record.timestamps.length;
    tally.nan = 0;
    tally.inf = 0;
    let text = "";
    let bytes = 0;
    const variables: string[] = [];
    let datapoints = 0;
    let joined: string | undefined;
    let variableCount = 0;
    for (const variable in outputs) {
      const raw: unknown = outputs[variable];
      if (!Array.isArray(raw) || raw.length !== count || variable === "") return undefined;
      variableCount++;
      const pieces = piecesOf(record.query_key, variable);
      if (pieces === null) return undefined;
      if (limits && pieces.labels + inputLabels + aliasPart.labels > limits.maxLabels) return undefined;
      const values = joinFiniteValues(raw, timestampTexts, tally);
      if (values === undefined) return undefined; // the general path reports the error
      if (values === "") continue;
      const kept = tally.kept;
      if (kept === undefined) joined ??= timestampTexts.join(",");
      const tsText = kept === undefined ? (joined as string) : kept.join(",");
      // {"metric":{ + head + inner + tail + },"values":[ + values + middle + timestamps + end (digits and commas: one byte each)
      const lineBytes = 23 + pieces.bytes + innerBytes + values.length + MIDDLE.length + tsText.length + END.length;
      if (lineBytes > maxLineBytes) return undefined;
      text += `{"metric":{${pieces.head}${inner}${pieces.tail}},"values":[${values}${MIDDLE}${tsText}${END}`;
      bytes += lineBytes;
      variables.push(variable);
      datapoints += kept === undefined ? count : kept.length;
    }
    if (variableCount === 0) return undefined;
    return new LazyRecord(text, bytes, datapoints, { nan: tally.nan, inf: tally.inf }, format, record, variables);
  };
}

/**
 * The number of input labels, or -1 when the labels need the general path: one named like a
 * metric_format key or an alias, a value that is not a string (the record may come unvalidated,
 * from encodeIfValid: what safeParseRecord would refuse goes to the general path, which reports
 * it), an empty name, or one near a label limit.
 */
function countTemplateLabels(
  labels: Readonly<Record<string, string>>,
  reserved: readonly string[],
  limits: TemplateLimits | undefined,
): number {
  for (const name of reserved) if (labels[name] !== undefined) return -1;
  let count = 0;
  for (const name in labels) {
    const value: unknown = labels[name];
    if (typeof value !== "string" || name === "") return -1;
    count++;
    // UTF-16 length x 3 bounds the UTF-8 length: only near a limit does the general path decide.
    if (limits && (name.length * 3 > limits.maxNameBytes || value.length * 3 > limits.maxValueBytes)) return -1;
  }
  return count;
}

/**
 * The finite values of one output as JSON numbers joined by commas ("" when there is none).
 * NaN and ±Inf are left out and counted in `tally`, whose `kept` is then set to the timestamp
 * texts of the values kept (undefined when all are). Undefined for any other value.
 */
function joinFiniteValues(
  raw: readonly unknown[],
  timestampTexts: readonly string[],
  tally: ValueTally,
): string | undefined {
  const count = timestampTexts.length;
  let values = "";
  let n = 0;
  let kept: string[] | undefined;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < count; i++) {
    const value = raw[i];
    if (typeof value === "number" && value - value === 0) {
      const text = `${value}`;
      values = n === 0 ? text : `${values},${text}`;
      n++;
      if (kept !== undefined) kept.push(timestampTexts[i] as string);
      continue;
    }
    const kind = classifyValue(value);
    if (kind === "nan") nan++;
    else if (kind === "inf") inf++;
    else return undefined;
    if (kept === undefined) kept = timestampTexts.slice(0, i);
  }
  tally.nan += nan;
  tally.inf += inf;
  tally.kept = kept;
  return values;
}

/** An unvalidated record may carry `null` aliases, which mean "absent" (as in safeParseRecord). */
function withoutNullAliases(record: ModelOutputRecord): ModelOutputRecord {
  if (!ALIASES.some((alias) => (record[alias] as unknown) === null)) return record;
  const copy: Record<string, unknown> = { ...record };
  for (const alias of ALIASES) if (copy[alias] === null) delete copy[alias];
  return copy as unknown as ModelOutputRecord;
}

/** The lines of a text of complete JSON lines, each keeping its "\n". */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf("\n", start) + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

/**
 * The template path's answer. A class, not an object literal with getters: closures made per
 * record would capture the encoding function's context (the text built in its loop included),
 * and V8 then runs that loop about twice as slow. Lines and label sets are made when asked for.
 */
export class LazyRecord implements EncodedRecord {
  readonly text: string;
  readonly bytes: number;
  readonly series: number;
  readonly datapoints: number;
  readonly dropped: DroppedPoints;
  readonly #format: ResolvedMetricFormat;
  readonly #record: ModelOutputRecord;
  readonly #variables: readonly string[];
  #lines: string[] | undefined;
  #labelSets: Readonly<Record<string, string>>[] | undefined;

  constructor(
    text: string,
    bytes: number,
    datapoints: number,
    dropped: DroppedPoints,
    format: ResolvedMetricFormat,
    record: ModelOutputRecord,
    variables: readonly string[],
  ) {
    this.text = text;
    this.bytes = bytes;
    this.series = variables.length;
    this.datapoints = datapoints;
    this.dropped = dropped;
    this.#format = format;
    this.#record = record;
    this.#variables = variables;
  }

  /** Every line ends in "\n", which JSON escapes inside strings: the text splits exactly. */
  get lines(): readonly string[] {
    this.#lines ??= splitLines(this.text);
    return this.#lines;
  }

  /** Built only when asked for (the writer needs them only for multi-tenant checks). */
  get labelSets(): readonly Readonly<Record<string, string>>[] {
    if (this.#labelSets === undefined) {
      const source = withoutNullAliases(this.#record);
      this.#labelSets = this.#variables.map((variable) => buildLabelSet(this.#format, source, variable));
    }
    return this.#labelSets;
  }
}
