import { buildLabelSet } from "./build-label-set.ts";
import { classifyValue } from "./classify-value.ts";
import { createTemplatePath } from "./create-template-path.ts";
import { MetricFormatError, RecordError } from "./errors.ts";
import { GenerationalCache } from "./generational-cache.ts";
import { propertyPath } from "./issue-path.ts";
import {
  encodeSeriesPrefix,
  FIXED_LINE_BYTES,
  pushSeriesLines,
  resolveMaxLineBytes,
  type SeriesPrefix,
} from "./push-series-lines.ts";
import { type ResolvedMetricFormat, resolveMetricFormat } from "./resolve-metric-format.ts";
import { encodeIfTemplate, resolveTemplateChecks } from "./resolve-template-checks.ts";
import type { EncodedCounts, LabelLimitWarning, ModelOutputRecord } from "./types.ts";

interface CachedSeries extends SeriesPrefix {
  readonly labels: Readonly<Record<string, string>>;
}

/** The series of one (labels, aliases, query key) combination, by output variable. */
type RecordEntry = Map<string, CachedSeries>;

/** Options of createRecordEncoder. */
export interface RecordEncoderOptions {
  /** vmanomaly `metric_format`, e.g. `{__name__: "$VAR", for: "$QUERY_KEY"}`. */
  readonly metricFormat: Readonly<Record<string, string>>;
  /** Split long series so that no line exceeds this many bytes. Default 1 MiB. */
  readonly maxLineBytes?: number;
  /** How many encoded label sets (series) are kept for the next inference (about 1 KiB each). Default 100 000; 0 = none. */
  readonly labelCacheSize?: number;
  /** Called once per label set that breaks a VictoriaMetrics label limit. */
  readonly onLabelWarning?: (warning: LabelLimitWarning) => void;
  /** The limits onLabelWarning checks; defaults as in createLabelLimitChecker (40, 4096, 256). */
  readonly labelLimits?: {
    readonly maxLabels?: number;
    readonly maxValueBytes?: number;
    readonly maxNameBytes?: number;
  };
  /**
   * Encode common records from one JSON.stringify of their labels, without the label cache
   * (same bytes; cold as fast as warm). Default true; false forces the general path (tests).
   */
  readonly templatePath?: boolean;
}

/** One record as JSON lines, with what it holds. */
export interface EncodedRecord extends EncodedCounts {
  /** The record's JSON lines as one text (what `lines.join("")` gives); "" when nothing is left to write. */
  readonly text: string;
  /** Complete JSON lines, each ending in "\n"; empty when nothing is left to write. May be computed on first read (a getter). */
  readonly lines: readonly string[];
}

/** Encodes records for `/api/v1/import`, remembering the encoded label sets between inferences. */
export interface RecordEncoder {
  /** Format and encode one record (from parseRecord). Throws RecordError for a bad value or label set. */
  encode(record: ModelOutputRecord): EncodedRecord;
  /**
   * Validate and encode an unchecked input in one pass when it is a common, valid record;
   * undefined otherwise (then `safeParseRecord` + `encode` give the answer, errors included).
   * What it returns is what `encode(safeParseRecord(input).output)` returns.
   */
  encodeIfValid(input: unknown): EncodedRecord | undefined;
}

function encodedOf(
  lines: string[],
  labelSets: Readonly<Record<string, string>>[],
  datapoints: number,
  nan: number,
  inf: number,
): EncodedRecord {
  const text = lines.length === 1 ? (lines[0] as string) : lines.join("");
  return {
    text,
    bytes: Buffer.byteLength(text),
    lines,
    series: labelSets.length,
    datapoints,
    dropped: { nan, inf },
    labelSets,
  };
}

function part(text: string | undefined): string {
  return text === undefined ? "-" : `${text.length}:${text}`;
}

/**
 * An injective text key of what a record's label sets depend on besides the variable: the
 * length-prefixed query key and aliases, then the labels as JSON (in their given order).
 */
function recordKey(record: ModelOutputRecord): string {
  return (
    part(record.query_key) +
    part(record.model_alias) +
    part(record.scheduler_alias) +
    part(record.preset) +
    JSON.stringify(record.labels)
  );
}

function badTimestamp(index: number, value: unknown): RecordError {
  return new RecordError([
    {
      path: `timestamps[${index}]`,
      message: `must be a non-negative integer Unix millisecond timestamp, got ${String(value)}`,
    },
  ]);
}

function lengthMismatch(variable: string, length: number, count: number): RecordError {
  return new RecordError([
    { path: propertyPath("outputs", variable), message: `has ${length} values but timestamps has ${count}` },
  ]);
}

function invalidValue(variable: string, index: number): RecordError {
  return new RecordError([
    {
      path: `${propertyPath("outputs", variable)}[${index}]`,
      message: 'must be a number, null, "NaN", "Inf" or "-Inf"',
    },
  ]);
}

/** The record's series of one point each, as JSON lines (the general path's common case). */
function encodeSinglePoints(
  record: ModelOutputRecord,
  seriesOf: (variable: string) => CachedSeries,
  maxLineBytes: number,
): EncodedRecord {
  const outputs = record.outputs;
  const lines: string[] = [];
  const labelSets: Readonly<Record<string, string>>[] = [];
  let nan = 0;
  let inf = 0;
  let datapoints = 0;
  const timestamp = record.timestamps[0] as number;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw badTimestamp(0, timestamp);
  const timestampText = `${timestamp}`;
  for (const variable in outputs) {
    const raw = outputs[variable] as readonly unknown[];
    if (raw.length !== 1) throw lengthMismatch(variable, raw.length, 1);
    const value = raw[0];
    if (typeof value !== "number" || value - value !== 0) {
      const kind = classifyValue(value);
      if (kind === "nan") nan++;
      else if (kind === "inf") inf++;
      else throw invalidValue(variable, 0);
      continue;
    }
    const series = seriesOf(variable);
    const valueText = `${value}`;
    if (series.bytes + FIXED_LINE_BYTES + valueText.length + timestampText.length <= maxLineBytes) {
      lines.push(`${series.prefix + valueText}],"timestamps":[${timestampText}]}\n`);
    } else {
      pushSeriesLines(lines, series, [valueText], [timestampText], maxLineBytes);
    }
    labelSets.push(series.labels);
    datapoints++;
  }
  return encodedOf(lines, labelSets, datapoints, nan, inf);
}

/**
 * Create the hot-path encoder: formats each record like formatRecord and encodes it as
 * VictoriaMetrics JSON lines, keeping the encoded `{"metric":{...},"values":[` prefix of every
 * label set in a bounded cache, because the same series come back at every inference.
 * Throws MetricFormatError for a bad metric_format or option.
 */
export function createRecordEncoder(options: RecordEncoderOptions): RecordEncoder {
  const format: ResolvedMetricFormat = resolveMetricFormat(options.metricFormat);
  const maxLineBytes = resolveMaxLineBytes(options.maxLineBytes);
  const cacheSize = options.labelCacheSize ?? 100_000;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
    throw new MetricFormatError(
      "OPTIONS_INVALID",
      `labelCacheSize must be a non-negative integer, got ${String(cacheSize)}`,
    );
  }
  const cache = cacheSize > 0 ? new GenerationalCache<RecordEntry>(cacheSize) : undefined;
  const { checker, limits } = resolveTemplateChecks(options);

  const template = options.templatePath === false ? undefined : createTemplatePath(format, maxLineBytes, limits);

  const newSeries = (record: ModelOutputRecord, variable: string): CachedSeries => {
    const labels = buildLabelSet(format, record, variable);
    checker?.check(labels);
    return { ...encodeSeriesPrefix(labels), labels };
  };

  const seriesOf = (entry: RecordEntry | undefined, record: ModelOutputRecord, variable: string): CachedSeries => {
    let series = entry?.get(variable);
    if (series === undefined) {
      series = newSeries(record, variable);
      if (entry && cache) {
        entry.set(variable, series);
        cache.added();
      }
    }
    return series;
  };

  return {
    encodeIfValid: (input) => encodeIfTemplate(template, input),
    encode(record) {
      const fast = template?.(record);
      if (fast) return fast;
      const entry = cache?.group(recordKey(record));
      const outputs = record.outputs;
      const timestamps = record.timestamps;
      const count = timestamps.length;
      const lines: string[] = [];
      const labelSets: Readonly<Record<string, string>>[] = [];
      let nan = 0;
      let inf = 0;
      let datapoints = 0;

      // The common case at inference time: one point per series.
      if (count === 1) return encodeSinglePoints(record, (variable) => seriesOf(entry, record, variable), maxLineBytes);
      let timestampTexts: string[] | undefined;
      let joinedTimestamps: string | undefined;
      for (const variable in outputs) {
        const raw = outputs[variable] as readonly unknown[];
        if (raw.length !== count) throw lengthMismatch(variable, raw.length, count);
        if (timestampTexts === undefined) {
          timestampTexts = new Array<string>(count);
          for (let i = 0; i < count; i++) {
            const timestamp = timestamps[i] as number;
            if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw badTimestamp(i, timestamp);
            timestampTexts[i] = `${timestamp}`;
          }
        }
        const values: string[] = [];
        // The timestamps of the kept points; undefined while every point is kept.
        let kept: string[] | undefined;
        for (let i = 0; i < count; i++) {
          const value = raw[i];
          if (typeof value === "number" && value - value === 0) {
            values.push(`${value}`);
            kept?.push(timestampTexts[i] as string);
            continue;
          }
          const kind = classifyValue(value);
          if (kind === "nan") nan++;
          else if (kind === "inf") inf++;
          else throw invalidValue(variable, i);
          kept ??= timestampTexts.slice(0, i);
        }
        if (values.length === 0) continue;
        const series = seriesOf(entry, record, variable);
        if (kept === undefined) joinedTimestamps ??= timestampTexts.join(",");
        pushSeriesLines(
          lines,
          series,
          values,
          kept ?? timestampTexts,
          maxLineBytes,
          kept === undefined ? joinedTimestamps : undefined,
        );
        labelSets.push(series.labels);
        datapoints += values.length;
      }
      return encodedOf(lines, labelSets, datapoints, nan, inf);
    },
  };
}
