import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRecordGuard, resolveRecordLimits, TIMESTAMP_EDGE_MARGIN_MS } from "./create-record-guard.ts";
import { MetricFormatError } from "./errors.ts";
import { hostileString, labelName, variableName } from "./testing/arbitraries.ts";
import { expectedLabels } from "./testing/expected-labels.ts";
import type { ModelOutputRecord } from "./types.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const FORMAT = { __name__: "vmanomaly_$VAR", for: "$QUERY_KEY" };
const record = (extra: Partial<ModelOutputRecord> = {}): ModelOutputRecord => ({
  query_key: "q",
  labels: { instance: "h1" },
  timestamps: [NOW - DAY],
  outputs: { anomaly_score: [0.5], yhat: [1] },
  ...extra,
});
const guard = createRecordGuard(FORMAT);
const check = (input: unknown, now = NOW) => guard.check(input, now);

describe("createRecordGuard: timestamps", () => {
  it("passes timestamps inside VictoriaMetrics' window (31 days back, 2 days ahead, by default)", () => {
    expect(check(record({ timestamps: [NOW - 30 * DAY, NOW, NOW + DAY], outputs: { y: [1, 2, 3] } }))).toBeUndefined();
  });

  it("names seconds, microseconds and nanoseconds as such, and refuses 0, old and future ones", () => {
    const cases: [number, RegExp][] = [
      [
        Math.floor(NOW / 1000),
        /looks like seconds \(2026-11-29T12:00:00\.000Z as seconds\); timestamps are Unix milliseconds/,
      ],
      [NOW * 1000, /looks like microseconds/],
      [0, /timestamp 0 is not a time/],
      [12_345, /before 1973: not a Unix millisecond timestamp/],
      [NOW - 32 * DAY, /older than the retention of 31d \(oldest accepted 2026-10-29T12:01:00\.000Z\)/],
      [NOW + 3 * DAY, /more than 2d ahead of now \(latest accepted 2026-12-01T11:59:00\.000Z\)/],
    ];
    for (const [ts, message] of cases) {
      expect(check(record({ timestamps: [ts], outputs: { y: [1] } }))).toEqual([
        { path: "timestamps[0]", message: expect.stringMatching(message), reason: "invalid_timestamp" },
      ]);
    }
  });

  it("keeps a margin at both edges, as VictoriaMetrics checks a little later on its own clock", () => {
    const edge = (ts: number) => check(record({ timestamps: [ts], outputs: { y: [1] } }));
    expect(edge(NOW - 31 * DAY + TIMESTAMP_EDGE_MARGIN_MS)).toBeUndefined();
    expect(edge(NOW - 31 * DAY + TIMESTAMP_EDGE_MARGIN_MS - 1)).toHaveLength(1);
    expect(edge(NOW + 2 * DAY - TIMESTAMP_EDGE_MARGIN_MS)).toBeUndefined();
    expect(edge(NOW + 2 * DAY - TIMESTAMP_EDGE_MARGIN_MS + 1)).toHaveLength(1);
  });

  it("takes a configured retention, and still refuses seconds inside a 100-year window", () => {
    const long = createRecordGuard(FORMAT, { retentionMs: 36_500 * DAY });
    expect(long.check(record({ timestamps: [Date.UTC(2001, 0, 1)], outputs: { y: [1] } }), NOW)).toBeUndefined();
    expect(long.check(record({ timestamps: [1_732_406_400], outputs: { y: [1] } }), NOW)?.[0]?.message).toMatch(
      /looks like seconds/,
    );
  });

  it("lists five bad timestamps and counts the rest", () => {
    const issues = check(
      record({ timestamps: Array.from({ length: 12 }, (_, i) => i + 1), outputs: { y: Array(12).fill(1) } }),
    );
    expect(issues).toHaveLength(6);
    expect(issues?.[5]).toEqual({ path: "", message: "and 7 more", reason: "invalid_timestamp" });
  });

  it("leaves what is not a safe integer to safeParseRecord", () => {
    expect(check(record({ timestamps: ["x", 1.5, 2 ** 60] as never, outputs: { y: [1, 2, 3] } }))).toBeUndefined();
    expect(check("not a record")).toBeUndefined();
  });
});

describe("createRecordGuard: labels and expansion", () => {
  it("refuses a label value over 16 KiB, a name over 256 bytes and over 30 labels, at their fields", () => {
    expect(check(record({ labels: { big: "x".repeat(16_385) } }))).toEqual([
      {
        path: "labels.big",
        message: expect.stringMatching(/label value takes 16385 bytes, more than 16384; VictoriaMetrics would cut it/),
        reason: "label_limit",
      },
    ]);
    expect(check(record({ labels: { big: "é".repeat(8192) } }))).toBeUndefined(); // 16384 bytes exactly
    expect(check(record({ labels: { ["n".repeat(257)]: "v" } }))?.[0]).toMatchObject({
      path: `labels["${"n".repeat(64)}…"]`,
      reason: "label_limit",
    });
    const many = Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`l${i}`, "v"]));
    expect(check(record({ labels: many }))?.[0]).toMatchObject({
      path: "labels",
      message: expect.stringContaining("would have 31 labels"),
      reason: "label_limit",
    });
    // Empty values are no labels; an input label named like a metric_format key is replaced, not added.
    expect(check(record({ labels: { ...many, l0: "", for: "x" } }))).toBeUndefined();
  });

  it("refuses a series whose labels add up to more than 32,000 bytes (VictoriaMetrics 1.79 loses them), each value within its limit", () => {
    const big = "v".repeat(16_000);
    expect(check(record({ labels: { a: big, b: big.slice(0, 15_900) } }))).toBeUndefined();
    const issues = check(record({ labels: { a: big, b: big } }));
    expect(issues).toEqual([
      expect.objectContaining({
        path: "labels",
        reason: "label_limit",
        message: expect.stringMatching(
          /outputs\.anomaly_score would have 32\d{3} bytes of label names and values, more than 32000; VictoriaMetrics 1\.79 loses such series \(writer\.limits\.max_label_bytes_per_series\)/,
        ),
      }),
    ]);
    expect(
      createRecordGuard(FORMAT, { maxLabelBytesPerSeries: 64_000 }).check(record({ labels: { a: big, b: big } }), NOW),
    ).toBeUndefined();
  });

  it("names the query key or the variable whose metric_format value is too long", () => {
    expect(check(record({ query_key: "q".repeat(20_000) }))?.[0]).toMatchObject({
      path: "query_key",
      message: expect.stringContaining('label "for" made from it'),
      reason: "label_limit",
    });
    const variable = "v".repeat(20_000);
    expect(check(record({ outputs: { [variable]: [1] } }))?.[0]).toMatchObject({
      path: `outputs["${"v".repeat(64)}…"]`,
      reason: "label_limit",
    });
  });

  it("refuses a record that would expand beyond the series and label-byte bounds, before expanding it", () => {
    const outputs = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`v${i}`, [1]]));
    const wide = record({ labels: { big: "x".repeat(64 * 1024) }, outputs });
    expect(check(wide)).toEqual([
      { path: "outputs", message: expect.stringContaining("50000 output variables"), reason: "record_too_large" },
    ]);
    const some = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`v${i}`, [1]]));
    expect(check(record({ labels: { big: "x".repeat(16_000), other: "y".repeat(4000) }, outputs: some }))).toEqual([
      {
        path: "",
        message: expect.stringMatching(/expands to 900 series of \d+ label bytes in all, more than 16777216/),
        reason: "record_too_large",
      },
    ]);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => resolveRecordLimits({ maxLabelsPerSeries: 0 })).toThrow(MetricFormatError);
  });

  it("refuses exactly the label sets that break a limit (compared with the plainly computed label sets)", () => {
    const limits = { maxLabelsPerSeries: 6, maxLabelValueBytes: 24, maxLabelNameBytes: 12 };
    const small = createRecordGuard(FORMAT, limits);
    const input = fc.record({
      query_key: hostileString(10).filter((key) => key !== ""),
      labels: fc.dictionary(labelName, fc.oneof(hostileString(), fc.string({ minLength: 20, maxLength: 30 })), {
        maxKeys: 6,
      }),
      outputs: fc.dictionary(variableName, fc.constant([1]), { minKeys: 1, maxKeys: 3 }),
      aliases: fc.record({ model_alias: hostileString(), preset: hostileString() }, { requiredKeys: [] }),
    });
    fc.assert(
      fc.property(input, ({ aliases, ...rest }) => {
        const r: ModelOutputRecord = { ...rest, ...aliases, timestamps: [NOW] };
        const breaks = Object.keys(r.outputs).some((variable) => {
          const labels = expectedLabels(r, variable, FORMAT);
          const entries = Object.entries(labels);
          return (
            entries.length > limits.maxLabelsPerSeries ||
            entries.some(
              ([name, value]) =>
                Buffer.byteLength(name) > limits.maxLabelNameBytes ||
                Buffer.byteLength(value) > limits.maxLabelValueBytes,
            )
          );
        });
        const issues = small.check(r, NOW);
        expect(issues !== undefined, JSON.stringify(issues)).toBe(breaks);
      }),
      { numRuns: 500 },
    );
  });
});
