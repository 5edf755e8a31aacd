import type protobuf from "protobufjs";
import { compareLabelNames } from "./compare-label-names.ts";
import { RemoteWriteError } from "./errors.ts";
import { loadProtobuf } from "./load-protobuf.ts";
import type { RemoteWriteSeries } from "./types.ts";

/** One TimeSeries to write: a label set and every input series that has it. */
interface PreparedSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Names with a non-empty value, in UTF-8 order. */
  readonly names: readonly string[];
  readonly parts: RemoteWriteSeries[];
  /** One part whose timestamps strictly increase: written as it is. */
  inOrder: boolean;
}

/** The writer's buffer is kept between calls up to this size (it grows to the largest request). */
const KEEP_BUFFER_BYTES = 8 * 1024 * 1024;
let sharedWriter: protobuf.Writer | undefined;

/**
 * Encode `series` as a protobuf `prometheus.WriteRequest` into a writer shared between calls and
 * hand the bytes to `use`, which must not keep them (they are overwritten by the next call).
 *
 * - Labels sorted by name in UTF-8 byte order; labels with an empty value left out (the same as
 *   no label for Prometheus and VictoriaMetrics); a series without samples left out; lone UTF-16
 *   surrogates in names and values replaced by U+FFFD.
 * - Series with the same label set are merged into one TimeSeries (unless `mergeSeries` is false).
 * - Samples sorted by timestamp; of samples with the same timestamp the last one given is kept.
 * - Proto3 encoding, byte for byte what protobufjs' reflection encoder makes of the same message.
 *
 * Throws RemoteWriteError `SERIES_INVALID` (nothing is written) for a label value that is not a
 * string, values and timestamps of different lengths, a timestamp that is not a safe integer,
 * a value that is not a number.
 */
export function withWriteRequest<T>(
  series: readonly RemoteWriteSeries[],
  mergeSeries: boolean,
  use: (bytes: Uint8Array) => T,
): T {
  const prepared = prepareSeries(series, mergeSeries);
  const writer = sharedWriter ?? loadProtobuf().Writer.create();
  sharedWriter = undefined; // a nested call (from `use`) gets its own writer
  writer.pos = 0;
  writer.states = null;
  try {
    for (const entry of prepared) writeTimeSeries(writer, entry);
    return use(writer.finish(true));
  } finally {
    if (writer.buf.length <= KEEP_BUFFER_BYTES) sharedWriter = writer;
  }
}

function prepareSeries(series: readonly RemoteWriteSeries[], mergeSeries: boolean): PreparedSeries[] {
  if (!Array.isArray(series)) throw new RemoteWriteError("SERIES_INVALID", "series must be an array");
  const prepared: PreparedSeries[] = [];
  // Label-set key → the series with it. The key joins names and values with NUL, which a label
  // may hold too: entries are compared exactly, and a different label set with the same key
  // (only possible with NULs) gets an entry of its own in the bucket.
  const byLabelSet = mergeSeries ? new Map<string, PreparedSeries | PreparedSeries[]>() : undefined;
  for (let i = 0; i < series.length; i++) {
    const entry = series[i]!;
    const increasing = checkSamples(entry, i);
    if (entry.timestamps.length === 0) continue;
    let { labels } = entry;
    if (labels === null || typeof labels !== "object") {
      throw new RemoteWriteError("SERIES_INVALID", `series[${i}].labels must be an object of strings`, {
        seriesIndex: i,
      });
    }
    let names: string[] = [];
    for (const name of Object.keys(labels)) {
      const value = labels[name];
      if (typeof value !== "string") {
        throw new RemoteWriteError("SERIES_INVALID", `series[${i}].labels[${JSON.stringify(name)}] is not a string`, {
          seriesIndex: i,
        });
      }
      if (value !== "") names.push(name);
    }
    names.sort(compareLabelNames);
    if (!isWellFormed(names, labels)) ({ labels, names } = wellFormedLabels(labels, names));
    if (byLabelSet === undefined) {
      prepared.push({ labels, names, parts: [entry], inOrder: increasing });
    } else {
      let key = "";
      for (const name of names) key += `${name}\u0000${labels[name]!}\u0000`;
      const fresh: PreparedSeries = { labels, names, parts: [entry], inOrder: increasing };
      const seen = byLabelSet.get(key);
      const same = seen === undefined ? undefined : findSame(seen, fresh);
      if (same !== undefined) {
        same.parts.push(entry);
        same.inOrder = false;
        continue;
      }
      if (seen === undefined) byLabelSet.set(key, fresh);
      else if (Array.isArray(seen)) seen.push(fresh);
      else byLabelSet.set(key, [seen, fresh]);
      prepared.push(fresh);
    }
  }
  return prepared;
}

function findSame(seen: PreparedSeries | PreparedSeries[], wanted: PreparedSeries): PreparedSeries | undefined {
  for (const candidate of Array.isArray(seen) ? seen : [seen]) {
    if (candidate.names.length !== wanted.names.length) continue;
    let same = true;
    for (let k = 0; k < wanted.names.length && same; k++) {
      const name = wanted.names[k]!;
      same = candidate.names[k] === name && candidate.labels[name] === wanted.labels[name];
    }
    if (same) return candidate;
  }
  return undefined;
}

/** ES2024 (Node 20 has them; the project's lib is ES2023). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

function isWellFormed(names: readonly string[], labels: Readonly<Record<string, string>>): boolean {
  for (const name of names) {
    if (!(name as unknown as WellFormed).isWellFormed() || !(labels[name] as unknown as WellFormed).isWellFormed())
      return false;
  }
  return true;
}

/**
 * The labels with lone UTF-16 surrogates replaced by U+FFFD, as UTF-8 encoders do (protobufjs
 * would write them as invalid UTF-8, which Go receivers refuse), sorted again.
 */
function wellFormedLabels(
  input: Readonly<Record<string, string>>,
  inputNames: readonly string[],
): { labels: Record<string, string>; names: string[] } {
  // Two names may become one (both lone surrogates at the same place): the later value wins.
  const labels: Record<string, string> = {};
  for (const name of inputNames) {
    labels[(name as unknown as WellFormed).toWellFormed()] = (input[name] as unknown as WellFormed).toWellFormed();
  }
  return { labels, names: Object.keys(labels).sort(compareLabelNames) };
}

/** Validate the samples of one series; true when its timestamps strictly increase. */
function checkSamples(entry: RemoteWriteSeries, index: number): boolean {
  const { timestamps, values } = entry;
  if (
    typeof timestamps?.length !== "number" ||
    typeof values?.length !== "number" ||
    timestamps.length !== values.length
  ) {
    const what =
      typeof timestamps?.length !== "number" || typeof values?.length !== "number"
        ? "timestamps and values must be arrays"
        : `${timestamps.length} timestamps but ${values.length} values`;
    throw new RemoteWriteError("SERIES_INVALID", `series[${index}]: ${what}`, { seriesIndex: index });
  }
  let increasing = true;
  let previous = -Infinity;
  for (let j = 0; j < timestamps.length; j++) {
    const timestamp = timestamps[j]!;
    if (!Number.isSafeInteger(timestamp)) {
      throw new RemoteWriteError(
        "SERIES_INVALID",
        `series[${index}].timestamps[${j}] is ${String(timestamp)}: not an integer number of milliseconds`,
        { seriesIndex: index },
      );
    }
    if (typeof values[j] !== "number") {
      throw new RemoteWriteError("SERIES_INVALID", `series[${index}].values[${j}] is not a number`, {
        seriesIndex: index,
      });
    }
    if (timestamp <= previous) increasing = false;
    previous = timestamp;
  }
  return increasing;
}

function writeTimeSeries(writer: protobuf.Writer, entry: PreparedSeries): void {
  writer.uint32(10).fork(); // WriteRequest.timeseries = 1
  for (const name of entry.names) {
    writer.uint32(10).fork(); // TimeSeries.labels = 1
    if (name !== "") writer.uint32(10).string(name);
    writer.uint32(18).string(entry.labels[name]!).ldelim();
  }
  if (entry.inOrder) {
    const { timestamps, values } = entry.parts[0]!;
    for (let j = 0; j < timestamps.length; j++) writeSample(writer, values[j]!, timestamps[j]!);
  } else {
    writeSortedSamples(writer, entry.parts);
  }
  writer.ldelim();
}

/** Merge the parts' samples, sort them by timestamp (stable), keep the last of equal timestamps. */
function writeSortedSamples(writer: protobuf.Writer, parts: readonly RemoteWriteSeries[]): void {
  let total = 0;
  for (const part of parts) total += part.timestamps.length;
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (const part of parts) {
    for (let j = 0; j < part.timestamps.length; j++, at++) {
      timestamps[at] = part.timestamps[j]!;
      values[at] = part.values[j]!;
    }
  }
  const order = new Uint32Array(total);
  for (let k = 0; k < total; k++) order[k] = k;
  order.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  for (let k = 0; k < total; k++) {
    const index = order[k]!;
    const next = order[k + 1];
    if (next !== undefined && timestamps[next] === timestamps[index]) continue;
    writeSample(writer, values[index]!, timestamps[index]!);
  }
}

function writeSample(writer: protobuf.Writer, value: number, timestamp: number): void {
  // Proto3: a +0 value and a 0 timestamp are left out (-0 is not the default and is written).
  const hasValue = value !== 0 || 1 / value < 0;
  const length = (hasValue ? 9 : 0) + (timestamp === 0 ? 0 : 1 + varintLength(timestamp));
  writer.uint32(18).uint32(length); // TimeSeries.samples = 2
  if (hasValue) writer.uint32(9).double(value); // Sample.value = 1, fixed64
  if (timestamp !== 0) writer.uint32(16).int64(timestamp); // Sample.timestamp = 2, varint
}

/** Bytes of an int64 varint of a safe integer (negative ones take 10, as two's complement). */
function varintLength(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 0x800000000) return 5;
  if (n < 0x40000000000) return 6;
  if (n < 0x2000000000000) return 7;
  return 8;
}
