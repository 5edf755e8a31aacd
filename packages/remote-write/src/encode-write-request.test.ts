import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeWriteRequest } from "./decode-write-request.ts";
import { encodeWriteRequest } from "./encode-write-request.ts";
import { encodeWriteRequestProto } from "./encode-write-request-proto.ts";
import { RemoteWriteError } from "./errors.ts";
import type { RemoteWriteSeries } from "./types.ts";
import { getWriteRequestType } from "./write-request-definition.ts";

const T0 = 1_732_406_400_000;
const decode = (series: readonly RemoteWriteSeries[]) => decodeWriteRequest(encodeWriteRequest(series)).timeseries;

describe("encodeWriteRequest", () => {
  it("encodes labels sorted by name and samples as given", () => {
    const series = [
      {
        labels: { job: "node", __name__: "anomaly_score", for: "cpu", instance: "h1:9100" },
        timestamps: [T0, T0 + 60_000],
        values: [0.42, 1.7],
      },
    ];
    expect(decode(series)).toEqual([
      {
        labels: [
          { name: "__name__", value: "anomaly_score" },
          { name: "for", value: "cpu" },
          { name: "instance", value: "h1:9100" },
          { name: "job", value: "node" },
        ],
        samples: [
          { value: 0.42, timestamp: T0 },
          { value: 1.7, timestamp: T0 + 60_000 },
        ],
      },
    ]);
  });

  it("sorts samples by timestamp, keeping each value with its timestamp", () => {
    const [series] = decode([{ labels: { __name__: "m" }, timestamps: [T0 + 3, T0 + 1, T0 + 2], values: [3, 1, 2] }]);
    expect(series?.samples).toEqual([
      { value: 1, timestamp: T0 + 1 },
      { value: 2, timestamp: T0 + 2 },
      { value: 3, timestamp: T0 + 3 },
    ]);
  });

  it("merges series with the same label set and keeps the last of equal timestamps", () => {
    const timeseries = decode([
      { labels: { __name__: "m", a: "1" }, timestamps: [T0 + 2, T0 + 4], values: [2, 4] },
      { labels: { __name__: "other" }, timestamps: [T0], values: [9] },
      { labels: { a: "1", __name__: "m" }, timestamps: [T0 + 1, T0 + 4, T0 + 3], values: [1, 44, 3] },
    ]);
    expect(timeseries).toEqual([
      {
        labels: [
          { name: "__name__", value: "m" },
          { name: "a", value: "1" },
        ],
        samples: [1, 2, 3, 44].map((value, i) => ({ value, timestamp: T0 + i + 1 })),
      },
      { labels: [{ name: "__name__", value: "other" }], samples: [{ value: 9, timestamp: T0 }] },
    ]);
  });

  it("does not merge different label sets that only look alike (NUL in a value)", () => {
    const timeseries = decode([
      { labels: { a: "x\u0000b\u0000y" }, timestamps: [T0], values: [1] },
      { labels: { a: "x", b: "y" }, timestamps: [T0], values: [2] },
      { labels: { b: "y", a: "x" }, timestamps: [T0 + 1], values: [3] },
    ]);
    expect(timeseries).toEqual([
      { labels: [{ name: "a", value: "x\u0000b\u0000y" }], samples: [{ value: 1, timestamp: T0 }] },
      {
        labels: [
          { name: "a", value: "x" },
          { name: "b", value: "y" },
        ],
        samples: [
          { value: 2, timestamp: T0 },
          { value: 3, timestamp: T0 + 1 },
        ],
      },
    ]);
  });

  it("keeps series with the same label set apart when mergeSeries is false", () => {
    const series = [
      { labels: { __name__: "m" }, timestamps: [T0 + 2, T0 + 1], values: [2, 1] },
      { labels: { __name__: "m" }, timestamps: [T0], values: [0.5] },
    ];
    expect(decodeWriteRequest(encodeWriteRequest(series, { mergeSeries: false })).timeseries).toEqual([
      {
        labels: [{ name: "__name__", value: "m" }],
        samples: [
          { value: 1, timestamp: T0 + 1 },
          { value: 2, timestamp: T0 + 2 },
        ],
      },
      { labels: [{ name: "__name__", value: "m" }], samples: [{ value: 0.5, timestamp: T0 }] },
    ]);
    expect(
      decodeWriteRequest(encodeWriteRequestProto(series, { mergeSeries: false }), { uncompressed: true }).timeseries,
    ).toHaveLength(2);
    // Lone surrogates are still replaced.
    const lone = encodeWriteRequest([{ labels: { v: "\uDFFF" }, timestamps: [T0], values: [1] }], {
      mergeSeries: false,
    });
    expect(decodeWriteRequest(lone).timeseries[0]?.labels).toEqual([{ name: "v", value: "\uFFFD" }]);
  });

  it("leaves out labels with an empty value and series without samples", () => {
    expect(
      decode([
        { labels: { __name__: "m", empty: "", x: "y" }, timestamps: [T0], values: [1] },
        { labels: { __name__: "nothing" }, timestamps: [], values: [] },
      ]),
    ).toEqual([
      {
        labels: [
          { name: "__name__", value: "m" },
          { name: "x", value: "y" },
        ],
        samples: [{ value: 1, timestamp: T0 }],
      },
    ]);
  });

  it("orders label names as UTF-8 bytes (Go's order), not UTF-16 code units", () => {
    // U+E000 is EE 80 80 in UTF-8, U+10000 is F0 90 80 80 (but D800 DC00 in UTF-16).
    const [series] = decode([
      { labels: { "a\u{10000}": "2", "a\uE000": "1", a: "0", B: "-1" }, timestamps: [T0], values: [1] },
    ]);
    expect(series?.labels.map((l) => l.name)).toEqual(["B", "a", "a\uE000", "a\u{10000}"]);
  });

  it("keeps hostile label values byte for byte; a lone surrogate becomes U+FFFD", () => {
    const hostile = `quote " back \\ nl \n tab \t emoji 😀 ünïcödé 中文 {a="b"} \u0001`;
    const [series] = decode([
      { labels: { __name__: "m", v: hostile, lone: "x\uD800y", "n\uDC00": "z" }, timestamps: [T0], values: [1] },
    ]);
    expect(series?.labels).toEqual([
      { name: "__name__", value: "m" },
      { name: "lone", value: "x\uFFFDy" },
      { name: "n\uFFFD", value: "z" },
      { name: "v", value: hostile },
    ]);
  });

  it("round-trips special numbers: 0, -0, NaN, ±Infinity, tiny and huge values, timestamp 0 and negative", () => {
    const values = [
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      5e-324,
      1.7976931348623157e308,
      -1.5,
    ];
    const timestamps = [-86_400_000, -1, 0, 1, 127, 128, T0, Number.MAX_SAFE_INTEGER];
    const [series] = decode([{ labels: { __name__: "m" }, timestamps, values }]);
    expect(series?.samples.map((s) => s.timestamp)).toEqual(timestamps);
    expect(series?.samples.map((s) => s.value)).toEqual(values); // toEqual tells 0 from -0 and matches NaN
  });

  it("encodes an empty request", () => {
    expect(decode([])).toEqual([]);
    expect(encodeWriteRequestProto([]).byteLength).toBe(0);
  });

  it("is byte for byte what protobufjs' reflection encoder makes of the same message", () => {
    const label = fc.string({ unit: "binary", maxLength: 12 });
    const seriesArb = fc.record({
      labels: fc.dictionary(label, label, { maxKeys: 6 }),
      samples: fc.array(fc.tuple(fc.integer({ min: -1e12, max: 4e12 }), fc.double()), { maxLength: 8 }),
    });
    const type = getWriteRequestType();
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 5 }), (generated) => {
        const input = generated.map((s) => ({
          labels: s.labels,
          timestamps: s.samples.map(([t]) => t),
          values: s.samples.map(([, v]) => v),
        }));
        // The message our encoder should produce: merged, sorted, deduplicated (our model of it).
        const merged = new Map<string, { labels: { name: string; value: string }[]; samples: Map<number, number> }>();
        for (const s of input) {
          if (s.timestamps.length === 0) continue;
          const labels = Object.keys(s.labels)
            .filter((name) => s.labels[name] !== "")
            .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
            .map((name) => ({ name, value: s.labels[name] ?? "" }));
          const key = JSON.stringify(labels);
          const entry = merged.get(key) ?? { labels, samples: new Map<number, number>() };
          s.timestamps.forEach((t, i) => entry.samples.set(t, s.values[i] ?? 0));
          merged.set(key, entry);
        }
        const message = {
          timeseries: [...merged.values()].map((entry) => ({
            labels: entry.labels,
            samples: [...entry.samples].sort(([a], [b]) => a - b).map(([timestamp, value]) => ({ value, timestamp })),
          })),
        };
        const expected = Buffer.from(type.encode(type.fromObject(message)).finish());
        expect(Buffer.from(encodeWriteRequestProto(input)).equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("returns bytes that later calls do not overwrite", () => {
    const first = encodeWriteRequestProto([{ labels: { __name__: "first" }, timestamps: [T0], values: [1] }]);
    const copy = Buffer.from(first);
    encodeWriteRequestProto([{ labels: { __name__: "second-and-longer" }, timestamps: [T0, T0 + 1], values: [2, 3] }]);
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });
});

describe("encodeWriteRequest with bad input", () => {
  const bad: [string, RemoteWriteSeries[], RegExp][] = [
    [
      "lengths differ",
      [{ labels: { __name__: "m" }, timestamps: [T0, T0 + 1], values: [1] }],
      /series\[0\]: 2 timestamps but 1 values/,
    ],
    [
      "float timestamp",
      [
        { labels: {}, timestamps: [T0], values: [1] },
        { labels: {}, timestamps: [T0 + 0.5], values: [1] },
      ],
      /series\[1\]\.timestamps\[0\] is 1732406400000\.5: not an integer/,
    ],
    ["NaN timestamp", [{ labels: {}, timestamps: [Number.NaN], values: [1] }], /series\[0\]\.timestamps\[0\] is NaN/],
    ["unsafe timestamp", [{ labels: {}, timestamps: [2 ** 60], values: [1] }], /not an integer number of milliseconds/],
    [
      "string value",
      [{ labels: {}, timestamps: [T0], values: ["1" as unknown as number] }],
      /series\[0\]\.values\[0\] is not a number/,
    ],
    [
      "non-string label",
      [{ labels: { n: 1 as unknown as string }, timestamps: [T0], values: [1] }],
      /series\[0\]\.labels\["n"\] is not a string/,
    ],
    [
      "missing arrays",
      [{ labels: {} } as unknown as RemoteWriteSeries],
      /series\[0\]: timestamps and values must be arrays/,
    ],
    [
      "null labels",
      [{ labels: null, timestamps: [T0], values: [1] } as unknown as RemoteWriteSeries],
      /series\[0\]\.labels must be an object of strings/,
    ],
  ];
  it.each(bad)("throws SERIES_INVALID: %s", (_, series, message) => {
    let thrown: unknown;
    try {
      encodeWriteRequest(series);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RemoteWriteError);
    expect(thrown).toMatchObject({
      code: "SERIES_INVALID",
      name: "RemoteWriteError",
      message: expect.stringMatching(/^\[remote-write\] /),
    });
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as RemoteWriteError).seriesIndex).toBe(series.length - 1);
    // Nothing half-written stays behind for the next request.
    expect(decode([{ labels: { __name__: "ok" }, timestamps: [T0], values: [1] }])).toHaveLength(1);
  });
});

describe("decodeWriteRequest", () => {
  it("refuses a body that is not snappy, or not a WriteRequest", () => {
    expect(() => decodeWriteRequest(Buffer.from("not snappy at all"))).toThrow(
      /^\[remote-write\] the body is not a snappy block/,
    );
    expect(() => decodeWriteRequest(Buffer.from([0x0a, 0x05, 0x01]), { uncompressed: true })).toThrow(
      expect.objectContaining({
        code: "DECODE_FAILED",
        message: expect.stringMatching(/not a protobuf prometheus.WriteRequest/),
      }),
    );
  });

  it("reads an uncompressed body", () => {
    const proto = encodeWriteRequestProto([{ labels: { __name__: "m" }, timestamps: [T0], values: [2] }]);
    expect(decodeWriteRequest(proto, { uncompressed: true }).timeseries[0]?.samples).toEqual([
      { value: 2, timestamp: T0 },
    ]);
  });
});
