import { randomBytes } from "node:crypto";
import { createSnappyCodec, type DecodedTimeSeries, decodeWriteRequest } from "@anomaly-writer/remote-write";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRecordEncoder } from "./create-record-encoder.ts";
import {
  createRemoteWriteEncoder,
  type EncodedRemoteWriteRecord,
  frameSnappyLiteral,
} from "./create-remote-write-encoder.ts";
import { RecordError } from "./errors.ts";
import { formatRecord } from "./format-record.ts";
import { safeParseRecord } from "./safe-parse-record.ts";
import { hostileString, nonFiniteValue, variableName } from "./testing/arbitraries.ts";
import type { FormattedSeries, ModelOutputRecord, RawValue } from "./types.ts";

const FORMATS: Readonly<Record<string, string>>[] = [
  { __name__: "$VAR", for: "$QUERY_KEY" },
  { __name__: "vmanomaly:$VAR", for: "PREFIX_$QUERY_KEY", run: "r1", empty: "" },
  { __name__: "x_$VAR", "bad-name": "x", ünï: "$QUERY_KEY", model_alias: "overridden" },
];

const labelName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,7}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("for", "model_alias", "__name__", "__proto__", "a-b", "ünï", "12", "a:b", "x\ud800"),
  },
  { weight: 2, arbitrary: hostileString(8).filter((s) => s !== "") },
);
const labelValue = fc.oneof(
  { weight: 4, arbitrary: hostileString(10) },
  { weight: 1, arbitrary: fc.constantFrom("", 'q"x', "a\\b", "nl\nx", "\ud800", "\udfff", "😀", '",a="b') },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
);
const value: fc.Arbitrary<RawValue> = fc.oneof(
  { weight: 5, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  {
    weight: 2,
    arbitrary: fc.constantFrom<RawValue>(
      -0,
      0,
      5e-324,
      -5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      2.2250738585072014e-308,
      0.1 + 0.2,
      1e21,
    ),
  },
  { weight: 2, arbitrary: nonFiniteValue },
);
const timestamp = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4_000_000_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.maxSafeNat() },
);

/** A record safeParseRecord accepts: 1..maxPoints timestamps, 1..3 variables, hostile labels and values. */
function recordOf(maxPoints: number, labelValues = labelValue): fc.Arbitrary<ModelOutputRecord> {
  return fc.integer({ min: 1, max: maxPoints }).chain((count) =>
    fc
      .record(
        {
          query_key: fc.oneof(
            fc.constantFrom("q", 'a"b\\c\nd'),
            hostileString(8).filter((s) => s !== ""),
          ),
          labels: fc.dictionary(labelName, labelValues, { maxKeys: 6 }),
          timestamps: fc.array(timestamp, { minLength: count, maxLength: count }),
          outputs: fc.dictionary(
            fc.oneof(fc.constantFrom("anomaly_score", "y", "yhat", "a.b"), variableName),
            fc.array(value, { minLength: count, maxLength: count }),
            { minKeys: 1, maxKeys: 3 },
          ),
          model_alias: hostileString(6),
          scheduler_alias: hostileString(6),
          preset: fc.constantFrom("node-exporter", ""),
        },
        { requiredKeys: ["query_key", "labels", "timestamps", "outputs"] },
      )
      .map((input) => {
        const parsed = safeParseRecord(input);
        if (!parsed.success) throw new Error(`generated an invalid record: ${JSON.stringify(parsed.issues)}`);
        return parsed.output;
      }),
  );
}

/** The 8 bytes of a double as hex, so that -0 and 0 differ and the comparison is bit-exact. */
function bits(n: number): string {
  return Buffer.from(new Float64Array([n]).buffer).toString("hex");
}

/** A decoded timeseries as the label object, timestamps and value bits; fails on a repeated label name. */
function plain(series: DecodedTimeSeries) {
  const labels = Object.fromEntries(series.labels.map((l) => [l.name, l.value]));
  expect(Object.keys(labels)).toHaveLength(series.labels.length);
  return {
    labels,
    timestamps: series.samples.map((s) => s.timestamp),
    values: series.samples.map((s) => bits(s.value)),
  };
}

/** Consecutive entries of the same label set joined into one series, in order. */
function mergeEntries(timeseries: readonly DecodedTimeSeries[]) {
  const merged: ReturnType<typeof plain>[] = [];
  for (const entry of timeseries.map(plain)) {
    const last = merged.at(-1);
    if (last && JSON.stringify(Object.entries(last.labels)) === JSON.stringify(Object.entries(entry.labels))) {
      last.timestamps.push(...entry.timestamps);
      last.values.push(...entry.values);
    } else merged.push(entry);
  }
  return merged;
}

function expectedSeries(series: readonly FormattedSeries[]) {
  return series.map((s) => ({ labels: { ...s.labels }, timestamps: [...s.timestamps], values: s.values.map(bits) }));
}

/** formatRecord's answer, or undefined when it refuses the record (an empty metric name). */
function formatted(r: ModelOutputRecord, metricFormat: Readonly<Record<string, string>>) {
  try {
    return formatRecord(r, { metricFormat });
  } catch (error) {
    if (error instanceof RecordError) return undefined;
    throw error;
  }
}

/** Bytes of the `labels` fields of a TimeSeries for this label set (what the encoder refuses beyond maxLineBytes). */
function labelFieldBytes(labels: Readonly<Record<string, string>>): number {
  const field = (length: number) => 1 + varintLength(length) + length;
  let total = 0;
  for (const [name, text] of Object.entries(labels))
    total += field(field(Buffer.byteLength(name)) + field(Buffer.byteLength(text)));
  return total;
}

function varintLength(n: number): number {
  let length = 1;
  for (; n >= 128; n = Math.floor(n / 128)) length++;
  return length;
}

/** Every check of an encoded record against formatRecord: series, points, counts, label sets. */
function expectSameAsFormatRecord(
  encoded: EncodedRemoteWriteRecord,
  r: ModelOutputRecord,
  metricFormat: Readonly<Record<string, string>>,
): void {
  const reference = formatRecord(r, { metricFormat });
  expect(encoded.bytes).toBe(encoded.body.length);
  const decoded = decodeWriteRequest(frameSnappyLiteral(encoded.body));
  expect(decoded).toEqual(decodeWriteRequest(encoded.body, { uncompressed: true }));
  expect(mergeEntries(decoded.timeseries)).toEqual(expectedSeries(reference.series));
  expect({
    series: encoded.series,
    datapoints: encoded.datapoints,
    dropped: encoded.dropped,
    labelSets: encoded.labelSets.map((l) => ({ ...l })),
  }).toEqual({
    series: reference.series.length,
    datapoints: reference.series.reduce((sum, s) => sum + s.values.length, 0),
    dropped: reference.dropped,
    labelSets: reference.series.map((s) => ({ ...s.labels })),
  });
}

/** Parts in order, tiling `body`, each at most maxLineBytes and one timeseries of its series on its own. */
function expectPartsTile(encoded: EncodedRemoteWriteRecord, maxLineBytes: number): void {
  let at = 0;
  let datapoints = 0;
  let series = 0;
  for (const part of encoded.parts) {
    expect(part.start).toBe(at);
    expect(part.end - part.start).toBeLessThanOrEqual(maxLineBytes);
    expect(part.series).toBeGreaterThanOrEqual(series);
    series = part.series;
    const alone = decodeWriteRequest(encoded.body.subarray(part.start, part.end), { uncompressed: true });
    expect(alone.timeseries).toHaveLength(1);
    const entry = plain(alone.timeseries[0] as DecodedTimeSeries);
    expect(entry.labels).toEqual({ ...encoded.labelSets[part.series] });
    expect(entry.values).toHaveLength(part.datapoints);
    expect(part.datapoints).toBeGreaterThan(0);
    datapoints += part.datapoints;
    at = part.end;
  }
  expect(at).toBe(encoded.bytes);
  expect(datapoints).toBe(encoded.datapoints);
  expect(new Set(encoded.parts.map((p) => p.series)).size).toBe(encoded.series);
}

describe("createRemoteWriteEncoder", () => {
  it("writes a record as timeseries entries: labels, then (value, timestamp) samples", () => {
    const encoder = createRemoteWriteEncoder({ metricFormat: { __name__: "vmanomaly_$VAR", for: "$QUERY_KEY" } });
    const r: ModelOutputRecord = {
      query_key: 'c"p\\u',
      labels: { instance: "h\n1", s: "a\ud800", empty: "" },
      timestamps: [1732406400000, 1732406460000],
      outputs: { y: [1.5, "NaN"], yhat: [null, "-Inf"], z: [5e-324, Number.MAX_VALUE] },
    };
    const encoded = encoder.encode(r);
    const labels = (name: string) => [
      { name: "__name__", value: name },
      { name: "instance", value: "h\n1" },
      { name: "s", value: "a\ufffd" },
      { name: "for", value: 'c"p\\u' },
    ];
    expect(decodeWriteRequest(frameSnappyLiteral(encoded?.body ?? new Uint8Array()))).toEqual({
      timeseries: [
        { labels: labels("vmanomaly_y"), samples: [{ value: 1.5, timestamp: 1732406400000 }] },
        {
          labels: labels("vmanomaly_z"),
          samples: [
            { value: 5e-324, timestamp: 1732406400000 },
            { value: Number.MAX_VALUE, timestamp: 1732406460000 },
          ],
        },
      ],
    });
    expect(encoded).toMatchObject({ series: 2, datapoints: 3, dropped: { nan: 2, inf: 1 } });
    expect(encoded?.parts.map((p) => [p.series, p.datapoints])).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it("writes -0 as 0, as formatRecord and the JSON encoder do", () => {
    const r: ModelOutputRecord = { query_key: "q", labels: {}, timestamps: [1], outputs: { y: [-0] } };
    const encoded = createRemoteWriteEncoder({ metricFormat: { __name__: "$VAR" } }).encode(r);
    const [series] = decodeWriteRequest(encoded?.body ?? new Uint8Array(), { uncompressed: true }).timeseries;
    expect(bits(series?.samples[0]?.value ?? Number.NaN)).toBe(bits(0));
  });

  it("carries exactly formatRecord's series, points, drops and label sets (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), recordOf(60), (metricFormat, r) => {
        const encoded = createRemoteWriteEncoder({ metricFormat }).encode(r);
        if (formatted(r, metricFormat) === undefined) return void expect(encoded).toBeUndefined();
        expect(encoded).toBeDefined();
        expectSameAsFormatRecord(encoded as EncodedRemoteWriteRecord, r, metricFormat);
        expectPartsTile(encoded as EncodedRemoteWriteRecord, 1024 * 1024);
      }),
      { numRuns: 200 },
    );
  });

  it("splits a long series into entries of at most maxLineBytes that tile the body", () => {
    const timestamps = Array.from({ length: 60 }, (_, i) => 1732406400000 + i * 15_000);
    const r: ModelOutputRecord = {
      query_key: "q",
      labels: { host: "h1" },
      timestamps,
      outputs: {
        y: timestamps.map((_, i) => i / 7),
        yhat: timestamps.map((_, i) => (i % 5 === 0 ? "NaN" : -i * 1e300)),
        none: timestamps.map(() => null),
      },
    };
    const metricFormat = { __name__: "split_$VAR", for: "$QUERY_KEY" };
    const encoded = createRemoteWriteEncoder({ metricFormat, maxLineBytes: 300 }).encode(r);
    expect(encoded).toBeDefined();
    const result = encoded as EncodedRemoteWriteRecord;
    expect(result.parts.length).toBeGreaterThan(4);
    expect(result).toMatchObject({ series: 2, datapoints: 108, dropped: { nan: 72, inf: 0 } });
    expectPartsTile(result, 300);
    expectSameAsFormatRecord(result, r, metricFormat);
  });

  it("splits any record so that every entry fits maxLineBytes, or leaves it to JSON when its labels do not (property)", () => {
    const shortValue = fc.oneof(hostileString(6), fc.constantFrom("", "\\", '"', "\n", "\ud800"));
    fc.assert(
      fc.property(
        fc.constantFrom(...FORMATS),
        recordOf(60, shortValue),
        fc.integer({ min: 60, max: 400 }),
        (metricFormat, r, maxLineBytes) => {
          const encoded = createRemoteWriteEncoder({ metricFormat, maxLineBytes }).encode(r);
          const reference = formatted(r, metricFormat);
          if (reference === undefined) return void expect(encoded).toBeUndefined();
          const widest = Math.max(0, ...reference.series.map((s) => labelFieldBytes(s.labels)));
          if (encoded === undefined) return void expect(widest + 32).toBeGreaterThan(maxLineBytes);
          expectPartsTile(encoded, maxLineBytes);
          expectSameAsFormatRecord(encoded, r, metricFormat);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("leaves to the JSON encoder a record whose metric name comes out empty, which it refuses", () => {
    const metricFormat = { __name__: "$VAR", for: "$QUERY_KEY" };
    // Not from safeParseRecord (it refuses an empty variable name): the encoder must not write it anyway.
    const r: ModelOutputRecord = { query_key: "q", labels: {}, timestamps: [1, 2], outputs: { y: [1, 2], "": [3, 4] } };
    expect(createRemoteWriteEncoder({ metricFormat }).encode(r)).toBeUndefined();
    expect(() => createRecordEncoder({ metricFormat }).encode(r)).toThrow(RecordError);
    // With no finite point, the variable gives no series, so no metric name is needed.
    const encoded = createRemoteWriteEncoder({ metricFormat }).encode({
      ...r,
      outputs: { y: [1, 2], "": [null, "Inf"] },
    });
    expect(encoded).toMatchObject({ series: 1, datapoints: 2, dropped: { nan: 1, inf: 1 } });
  });

  it("leaves out a series with only non-finite values, counting its points as dropped", () => {
    const metricFormat = { __name__: "$VAR" };
    const r: ModelOutputRecord = {
      query_key: "q",
      labels: { a: "1" },
      timestamps: [1, 2, 3],
      outputs: {
        gone: [null, "-Inf", Number.NaN],
        y: [Number.POSITIVE_INFINITY, 4, "NaN"],
        never: ["Inf", "nan", null],
      },
    };
    const encoded = createRemoteWriteEncoder({ metricFormat }).encode(r);
    expect(encoded).toMatchObject({ series: 1, datapoints: 1, dropped: { nan: 5, inf: 3 } });
    expect(encoded?.labelSets).toEqual([{ __name__: "y", a: "1" }]);
    expect(encoded?.parts).toEqual([{ start: 0, end: encoded?.bytes, series: 0, datapoints: 1 }]);
    expectSameAsFormatRecord(encoded as EncodedRemoteWriteRecord, r, metricFormat);
    const nothing = createRemoteWriteEncoder({ metricFormat }).encode({
      ...r,
      outputs: { gone: [null, "Inf", "NaN"] },
    });
    expect(nothing).toMatchObject({ bytes: 0, parts: [], series: 0, datapoints: 0, dropped: { nan: 2, inf: 1 } });
    expect(decodeWriteRequest(frameSnappyLiteral(nothing?.body ?? new Uint8Array([1])))).toEqual({ timeseries: [] });
  });
});

describe("frameSnappyLiteral", () => {
  const LENGTHS = [0, 1, 59, 60, 61, 255, 256, 257, 65535, 65536, 65537, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1];
  const big = randomBytes(2 ** 24 + 1);
  const codecs = [createSnappyCodec(), createSnappyCodec({ implementation: "js" })];

  it.each(LENGTHS)("frames %i bytes as one literal the snappy decoder reads back", (length) => {
    const raw = big.subarray(0, length);
    const framed = frameSnappyLiteral(raw);
    const m = length - 1;
    const tagBytes = length === 0 ? 0 : m < 60 ? 1 : m < 0x100 ? 2 : m < 0x10000 ? 3 : m < 0x1000000 ? 4 : 5;
    expect(framed.length).toBe(varintLength(length) + tagBytes + length);
    for (const codec of codecs) {
      const back = codec.uncompress(framed);
      expect(back.length, codec.implementation).toBe(length);
      expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(raw), codec.implementation).toBe(true);
    }
  });
});
