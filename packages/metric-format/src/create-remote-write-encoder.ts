import { buildLabelSet } from "./build-label-set.ts";
import { classifyValue } from "./classify-value.ts";
import type { RecordEncoderOptions } from "./create-record-encoder.ts";
import { resolveMaxLineBytes } from "./push-series-lines.ts";
import { type ResolvedMetricFormat, resolveMetricFormat } from "./resolve-metric-format.ts";
import { resolveTemplateChecks } from "./resolve-template-checks.ts";
import type { DroppedPoints, EncodedCounts, ModelOutputRecord } from "./types.ts";

/** Options of createRemoteWriteEncoder: those of the JSON-lines encoder that apply. */
export type RemoteWriteEncoderOptions = Pick<
  RecordEncoderOptions,
  "metricFormat" | "maxLineBytes" | "onLabelWarning" | "labelLimits"
>;

/** One `timeseries` entry of a remote-write `WriteRequest`, complete (field tag and length included). */
export interface RemoteWritePart {
  readonly start: number;
  readonly end: number;
  /** Which of the record's series it carries points of (0-based, in `labelSets` order). */
  readonly series: number;
  readonly datapoints: number;
}

/**
 * A record as the `timeseries` entries of a remote-write `WriteRequest` (protobuf, uncompressed).
 * Concatenated entries are a `WriteRequest` again, so records, requests and queue entries join by
 * concatenation; `frameSnappyLiteral` makes a request body of them.
 */
export interface EncodedRemoteWriteRecord extends EncodedCounts {
  readonly body: Uint8Array;
  /** The entries of `body` in order; a series longer than one entry (maxLineBytes) has several. */
  readonly parts: readonly RemoteWritePart[];
}

/** Encodes validated records as remote-write protobuf, for VictoriaMetrics' `/api/v1/write`. */
export interface RemoteWriteEncoder {
  /**
   * One record (from parseRecord or safeParseRecord), or undefined when the JSON encoder should
   * take it: a metric name that comes out empty (the JSON encoder then refuses the record) or a
   * label set longer than maxLineBytes. The label sets and finite points are those the JSON
   * encoder writes; doubles go as their 8 bytes, so every value arrives exactly.
   */
  encode(record: ModelOutputRecord): EncodedRemoteWriteRecord | undefined;
}

/** Bytes of a sample entry before its timestamp suffix: tag, length, value tag, the double's 8 bytes. */
const SAMPLE_HEAD_BYTES = 1 + 1 + 1 + 8;

function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

/** Write a non-negative safe integer as a protobuf varint; the offset after it. */
function writeVarint(buffer: Uint8Array, offset: number, n: number): number {
  while (n >= 128) {
    buffer[offset++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buffer[offset++] = n;
  return offset;
}

/** The `labels` fields of a TimeSeries (Label{name=1, value=2} as field 1), UTF-8, in one buffer. */
function labelFields(labels: Readonly<Record<string, string>>): Buffer {
  let total = 0;
  const sizes: number[] = [];
  for (const name in labels) {
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(labels[name] as string);
    const inner = 1 + varintLength(nameBytes) + nameBytes + 1 + varintLength(valueBytes) + valueBytes;
    sizes.push(nameBytes, valueBytes, inner);
    total += 1 + varintLength(inner) + inner;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  let i = 0;
  for (const name in labels) {
    const nameBytes = sizes[i++] as number;
    const valueBytes = sizes[i++] as number;
    out[at++] = 0x0a;
    at = writeVarint(out, at, sizes[i++] as number);
    out[at++] = 0x0a;
    at = writeVarint(out, at, nameBytes);
    at += out.write(name, at, "utf8");
    out[at++] = 0x12;
    at = writeVarint(out, at, valueBytes);
    at += out.write(labels[name] as string, at, "utf8");
  }
  return out;
}

/** The timestamps of a record as sample suffixes (timestamp tag + varint), in one buffer, shared by its variables. */
interface TimestampSuffixes {
  readonly bytes: Uint8Array;
  /** Where the suffix of timestamp i starts in `bytes` (and, at i + 1, ends). */
  readonly starts: Uint32Array;
}

function timestampSuffixes(timestamps: readonly number[]): TimestampSuffixes {
  const starts = new Uint32Array(timestamps.length + 1);
  for (let i = 0; i < timestamps.length; i++)
    starts[i + 1] = (starts[i] as number) + 1 + varintLength(timestamps[i] as number);
  const bytes = new Uint8Array(starts[timestamps.length] as number);
  for (let i = 0; i < timestamps.length; i++) {
    const at = starts[i] as number;
    bytes[at] = 0x10;
    writeVarint(bytes, at + 1, timestamps[i] as number);
  }
  return { bytes, starts };
}

interface SeriesPlan {
  readonly labels: Buffer;
  readonly values: readonly unknown[];
  readonly series: number;
}

/**
 * Create the remote-write encoder. Label sets are built as the JSON encoder builds them (clashes
 * resolved, empty values left out, lone surrogates replaced) and checked against the same label
 * limits; NaN and ±Inf are left out and counted. A series is split into several entries so that
 * none exceeds maxLineBytes, as JSON lines are. Throws MetricFormatError for a bad metric_format.
 */
export function createRemoteWriteEncoder(options: RemoteWriteEncoderOptions): RemoteWriteEncoder {
  const format: ResolvedMetricFormat = resolveMetricFormat(options.metricFormat);
  const maxEntryBytes = resolveMaxLineBytes(options.maxLineBytes);
  const { checker } = resolveTemplateChecks(options);
  return {
    encode(record) {
      const timestamps = record.timestamps;
      const suffixes = timestampSuffixes(timestamps);
      const plans: SeriesPlan[] = [];
      const labelSets: Readonly<Record<string, string>>[] = [];
      const dropped = { nan: 0, inf: 0 };
      for (const variable in record.outputs) {
        const values = record.outputs[variable] as readonly unknown[];
        let finite = 0;
        for (let i = 0; i < values.length; i++) {
          const value = values[i];
          if (typeof value === "number" && value - value === 0) finite++;
          else if (classifyValue(value) === "nan") dropped.nan++;
          else dropped.inf++;
        }
        if (finite === 0) continue;
        let labels: Readonly<Record<string, string>>;
        try {
          labels = buildLabelSet(format, record, variable);
        } catch {
          return undefined; // an empty metric name: the JSON encoder refuses the record, naming it
        }
        const fields = labelFields(labels);
        if (fields.length + 32 > maxEntryBytes) return undefined;
        plans.push({ labels: fields, values, series: labelSets.length });
        labelSets.push(labels);
      }
      // Checked once the record is known to go this way (else the JSON encoder checks it).
      if (checker) for (const labels of labelSets) checker.check(labels);
      return writeRecord(plans, suffixes, maxEntryBytes, { labelSets, dropped });
    },
  };
}

/** The entries of the planned series, each at most maxEntryBytes (one point at least). */
function writeRecord(
  plans: readonly SeriesPlan[],
  suffixes: TimestampSuffixes,
  maxEntryBytes: number,
  known: { labelSets: Readonly<Record<string, string>>[]; dropped: DroppedPoints },
): EncodedRemoteWriteRecord {
  // First pass: the entries (their points and sizes), then one buffer of the exact size.
  const entries: { plan: SeriesPlan; from: number; to: number; points: number; inner: number }[] = [];
  let total = 0;
  for (const plan of plans) {
    const { values } = plan;
    let from = 0;
    let inner = plan.labels.length;
    let points = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (!(typeof value === "number" && value - value === 0)) continue;
      const sample = SAMPLE_HEAD_BYTES + (suffixes.starts[i + 1] as number) - (suffixes.starts[i] as number);
      if (points > 0 && inner + sample + 12 > maxEntryBytes) {
        entries.push({ plan, from, to: i, points, inner });
        total += 1 + varintLength(inner) + inner;
        from = i;
        inner = plan.labels.length;
        points = 0;
      }
      inner += sample;
      points++;
    }
    entries.push({ plan, from, to: values.length, points, inner });
    total += 1 + varintLength(inner) + inner;
  }
  const body = Buffer.allocUnsafe(total);
  const { bytes: suffixBytes, starts } = suffixes;
  const parts: RemoteWritePart[] = [];
  let at = 0;
  let datapoints = 0;
  for (const entry of entries) {
    const start = at;
    body[at++] = 0x0a;
    at = writeVarint(body, at, entry.inner);
    at += entry.plan.labels.copy(body, at);
    const values = entry.plan.values;
    for (let i = entry.from; i < entry.to; i++) {
      const value = values[i];
      if (!(typeof value === "number" && value - value === 0)) continue;
      const from = starts[i] as number;
      const to = starts[i + 1] as number;
      body[at] = 0x12;
      body[at + 1] = SAMPLE_HEAD_BYTES - 2 + to - from;
      body[at + 2] = 0x09;
      // -0 goes as 0, as formatRecord and the JSON encoder write it.
      body.writeDoubleLE(value === 0 ? 0 : value, at + 3);
      at += SAMPLE_HEAD_BYTES;
      // A few bytes: a loop copies them faster than a native call per sample.
      for (let k = from; k < to; k++) body[at++] = suffixBytes[k] as number;
    }
    datapoints += entry.points;
    parts.push({ start, end: at, series: entry.plan.series, datapoints: entry.points });
  }
  return {
    body,
    bytes: at,
    parts,
    series: plans.length,
    datapoints,
    dropped: known.dropped,
    labelSets: known.labelSets,
  };
}

/**
 * A snappy block of `raw` made of one literal (no compression): what `Content-Encoding: snappy`
 * requires, for the cost of a copy. Compressing would cost us more CPU than it saves on
 * loopback or a LAN (gzip measured alike, bench/ANALYSIS.md).
 */
export function frameSnappyLiteral(raw: Uint8Array): Buffer {
  const n = raw.length;
  const head = Buffer.allocUnsafe(10);
  let at = writeVarint(head, 0, n);
  if (n > 0) {
    const m = n - 1;
    if (m < 60) head[at++] = m << 2;
    else {
      const lengthBytes = m < 0x100 ? 1 : m < 0x10000 ? 2 : m < 0x1000000 ? 3 : 4;
      head[at++] = (59 + lengthBytes) << 2;
      head.writeUIntLE(m, at, lengthBytes);
      at += lengthBytes;
    }
  }
  const out = Buffer.allocUnsafe(at + n);
  head.copy(out, 0, 0, at);
  out.set(raw, at);
  return out;
}
