import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeSeriesLines } from "./encode-series-lines.ts";
import { MetricFormatError, RecordError } from "./errors.ts";
import { hostileString, labelName } from "./testing/arbitraries.ts";
import type { FormattedSeries } from "./types.ts";

const series = (overrides: Partial<FormattedSeries> = {}): FormattedSeries => ({
  labels: { __name__: "anomaly_score", for: "cpu_rate" },
  variable: "anomaly_score",
  timestamps: [1732406400000, 1732406460000],
  values: [0.42, 1.7],
  ...overrides,
});

const bytes = (line: string) => Buffer.byteLength(line, "utf8");
const parse = (line: string) =>
  JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };

describe("encodeSeriesLines", () => {
  it("writes the spec §3 wire format", () => {
    expect(encodeSeriesLines(series({ labels: { __name__: "m", k: "v" } }))).toEqual([
      '{"metric":{"__name__":"m","k":"v"},"values":[0.42,1.7],"timestamps":[1732406400000,1732406460000]}\n',
    ]);
  });

  it("prints numbers so that they parse back to the same double, timestamps as integer literals", () => {
    const values = [
      1e21,
      1.5e-7,
      -0,
      5e-324,
      Number.MAX_VALUE,
      -Number.MIN_VALUE,
      0.1 + 0.2,
      123456789012345680000,
      2 ** 53 + 2,
    ];
    const [line] = encodeSeriesLines(series({ timestamps: values.map((_, i) => i), values }));
    expect(line).toContain(
      '"values":[1e+21,1.5e-7,0,5e-324,1.7976931348623157e+308,-5e-324,0.30000000000000004,123456789012345680000,9007199254740994]',
    );
    expect(line).toContain('"timestamps":[0,1,2,3,4,5,6,7,8]');
    expect(parse(line ?? "").values).toEqual(values.map((v) => (v === 0 ? 0 : v)));
  });

  it("round-trips any finite double and any integer timestamp through JSON.parse", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          ),
          { minLength: 1 },
        ),
        (points) => {
          const lines = encodeSeriesLines(
            series({ timestamps: points.map(([, t]) => t), values: points.map(([v]) => v) }),
          );
          const parsed = lines.map(parse);
          expect(parsed.flatMap((p) => p.values)).toEqual(points.map(([v]) => (v === 0 ? 0 : v)));
          expect(parsed.flatMap((p) => p.timestamps)).toEqual(points.map(([, t]) => t));
          for (const line of lines) expect(line).toMatch(/"timestamps":\[\d+(,\d+)*\]\}\n$/);
        },
      ),
    );
  });

  it("escapes any label name and value: quotes, backslashes, control characters, unicode, emoji", () => {
    fc.assert(
      fc.property(fc.dictionary(labelName, hostileString(20), { minKeys: 1 }), (labels) => {
        const [line] = encodeSeriesLines(series({ labels }));
        expect(line?.endsWith("}\n")).toBe(true);
        expect(line?.slice(0, -1)).not.toContain("\n"); // one line
        const wellFormed = (text: string) =>
          text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
        expect(parse(line ?? "").metric).toEqual(
          Object.fromEntries(Object.entries(labels).map(([k, v]) => [wellFormed(k), wellFormed(v)])),
        );
      }),
    );
  });

  it("never sends an escaped lone surrogate (VictoriaMetrics 1.79 would store the six characters)", () => {
    const [line] = encodeSeriesLines(series({ labels: { __name__: "m", "a\ud800": "b\udfffc", ok: "😀" } }));
    expect(line).toContain('"a\ufffd":"b\ufffdc","ok":"😀"');
    expect(line).not.toMatch(/\\ud[89a-f]/i);
  });

  it("lets the later of two names that become the same U+FFFD win", () => {
    const [line] = encodeSeriesLines(series({ labels: { __name__: "m", "\ud800": "first", "\udc00": "second" } }));
    expect(parse(line ?? "").metric).toEqual({ __name__: "m", "\ufffd": "second" });
  });

  it("splits a long series into lines of at most maxLineBytes, keeping every point in order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 300, max: 2000 }),
        hostileString(8),
        (count, maxLineBytes, value) => {
          const timestamps = Array.from({ length: count }, (_, i) => 1732406400000 + i * 60_000);
          const values = Array.from({ length: count }, (_, i) => i / 7);
          const lines = encodeSeriesLines(series({ labels: { __name__: "m", v: value }, timestamps, values }), {
            maxLineBytes,
          });
          for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(maxLineBytes);
          const parsed = lines.map(parse);
          expect(parsed.flatMap((p) => p.timestamps)).toEqual(timestamps);
          expect(parsed.flatMap((p) => p.values)).toEqual(values);
          // Greedy: each line but the last is full enough that the next point did not fit.
          for (let i = 0; i + 1 < lines.length; i++) {
            const next = parsed[i + 1];
            expect(
              bytes(lines[i] ?? "") + String(next?.values[0]).length + String(next?.timestamps[0]).length + 2,
            ).toBeGreaterThan(maxLineBytes);
          }
        },
      ),
    );
  });

  it("keeps one line when the series fits", () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    expect(encodeSeriesLines(series({ timestamps: values, values }))).toHaveLength(1);
  });

  it("gives no line for a series without points", () => {
    expect(encodeSeriesLines(series({ timestamps: [], values: [] }))).toEqual([]);
  });

  it("refuses a label set that cannot fit in a line with one point", () => {
    expect(() =>
      encodeSeriesLines(series({ labels: { __name__: "m", big: "x".repeat(200) } }), { maxLineBytes: 100 }),
    ).toThrow(
      expect.objectContaining({
        code: "RECORD_INVALID",
        issues: [{ path: "labels", message: expect.stringContaining("no line of at most 100 bytes") }],
      }),
    );
  });

  it("refuses what VictoriaMetrics would skip: non-finite values, fractional or negative timestamps, length mismatch", () => {
    const issues = (s: FormattedSeries) => {
      try {
        encodeSeriesLines(s);
      } catch (error) {
        expect(error).toBeInstanceOf(RecordError);
        return (error as RecordError).issues.map((issue) => issue.path);
      }
      return [];
    };
    expect(issues(series({ values: [NaN, Infinity] }))).toEqual(["values[0]", "values[1]"]);
    expect(issues(series({ timestamps: [1.5, -1] }))).toEqual(["timestamps[0]", "timestamps[1]"]);
    expect(issues(series({ timestamps: [1] }))).toEqual(["values"]);
  });

  it("rejects a bad maxLineBytes", () => {
    expect(() => encodeSeriesLines(series(), { maxLineBytes: 0 })).toThrow(MetricFormatError);
    expect(() => encodeSeriesLines(series(), { maxLineBytes: 1.5 })).toThrow(
      "[metric-format] maxLineBytes must be a positive integer, got 1.5",
    );
  });
});
