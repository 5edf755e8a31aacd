import {
  type ExportedSeries,
  labelKey,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecordEncoder, type EncodedRecord } from "./create-record-encoder.ts";
import { encodeSeriesLines } from "./encode-series-lines.ts";
import { RecordError } from "./errors.ts";
import { formatRecord } from "./format-record.ts";
import { hostileString, labelName, modelOutputRecords } from "./testing/arbitraries.ts";
import { expectedLabels } from "./testing/expected-labels.ts";
import type { LabelLimitWarning, ModelOutputRecord } from "./types.ts";

const METRIC_FORMAT = { __name__: "vmanomaly_$VAR", for: "$QUERY_KEY" };

const record = (overrides: Partial<ModelOutputRecord> = {}): ModelOutputRecord => ({
  query_key: "cpu_rate",
  labels: { instance: "host-1:9100", job: "node" },
  timestamps: [1732406400000],
  outputs: { anomaly_score: [0.42], yhat: [12.2] },
  ...overrides,
});

/** A metric_format key → a template mixing hostile text and placeholders. */
const extraMetricFormat = fc.dictionary(
  labelName.filter((name) => !["__name__", "for", "run"].includes(name)),
  fc
    .array(fc.oneof(hostileString(6), fc.constantFrom("$VAR", "$QUERY_KEY")), { maxLength: 3 })
    .map((parts) => parts.join("")),
  { maxKeys: 3 },
);

/** Every field of an encoded record as a plain object (the template path computes lines and label sets on demand). */
const plain = (e: EncodedRecord) => ({
  text: e.text,
  bytes: e.bytes,
  lines: e.lines,
  series: e.series,
  datapoints: e.datapoints,
  dropped: e.dropped,
  labelSets: e.labelSets,
});

describe("createRecordEncoder", () => {
  it("writes the same lines as formatRecord + encodeSeriesLines, with or without its cache", () => {
    fc.assert(
      fc.property(
        modelOutputRecords({ maxTimestamp: Date.now(), maxLength: 8 }),
        extraMetricFormat,
        fc.integer({ min: 1, max: 4 }),
        (records, extra, cacheSize) => {
          const metricFormat = { ...extra, ...METRIC_FORMAT };
          const encoders = [
            createRecordEncoder({ metricFormat }),
            createRecordEncoder({ metricFormat, labelCacheSize: cacheSize }),
            createRecordEncoder({ metricFormat, labelCacheSize: 0 }),
          ];
          for (let pass = 0; pass < 2; pass++) {
            for (const input of records) {
              const { series, dropped } = formatRecord(input, { metricFormat });
              const lines = series.flatMap((s) => encodeSeriesLines(s));
              for (const encoder of encoders) {
                expect(plain(encoder.encode(input))).toEqual({
                  text: lines.join(""),
                  bytes: Buffer.byteLength(lines.join("")),
                  lines,
                  series: series.length,
                  datapoints: series.reduce((sum, s) => sum + s.values.length, 0),
                  dropped,
                  labelSets: series.map((s) => s.labels),
                });
              }
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives identical bytes for the same label set at the next inference (general path, label cache)", () => {
    const encoder = createRecordEncoder({ metricFormat: METRIC_FORMAT, templatePath: false });
    const first = encoder.encode(record());
    const second = encoder.encode(JSON.parse(JSON.stringify(record())) as ModelOutputRecord);
    expect(second.lines).toEqual(first.lines);
    expect(second.labelSets[0]).toBe(first.labelSets[0]); // the cached label set itself
    expect(first.lines).toEqual([
      '{"metric":{"__name__":"vmanomaly_anomaly_score","instance":"host-1:9100","job":"node","for":"cpu_rate"},"values":[0.42],"timestamps":[1732406400000]}\n',
      '{"metric":{"__name__":"vmanomaly_yhat","instance":"host-1:9100","job":"node","for":"cpu_rate"},"values":[12.2],"timestamps":[1732406400000]}\n',
    ]);
    const next = encoder.encode(record({ timestamps: [1732406460000], outputs: { anomaly_score: [1.5], yhat: [13] } }));
    expect(next.lines[0]).toBe(
      '{"metric":{"__name__":"vmanomaly_anomaly_score","instance":"host-1:9100","job":"node","for":"cpu_rate"},"values":[1.5],"timestamps":[1732406460000]}\n',
    );
  });

  it("tells label sets apart that differ only in aliases, query key or label order of values", () => {
    const encoder = createRecordEncoder({ metricFormat: METRIC_FORMAT });
    const variants = [
      record(),
      record({ model_alias: "m" }),
      record({ scheduler_alias: "m" }),
      record({ preset: "m" }),
      record({ query_key: "cpu_rate2" }),
      record({ labels: { instance: "host-1:9100", job: "node2" } }),
      record({ labels: { instance: "host-1:9100job", "": "node" } as Record<string, string> }),
    ];
    const prefixes = variants.map((input) => encoder.encode(input).lines[0]?.split('"values"')[0]);
    expect(new Set(prefixes).size).toBe(variants.length);
  });

  it("uses its own metric_format: another metric_format is another encoder", () => {
    const a = createRecordEncoder({ metricFormat: METRIC_FORMAT }).encode(record());
    const b = createRecordEncoder({ metricFormat: { __name__: "other_$VAR", for: "$QUERY_KEY" } }).encode(record());
    expect(b.lines).not.toEqual(a.lines);
    expect(b.labelSets[0]?.__name__).toBe("other_anomaly_score");
  });

  it("counts series, datapoints and dropped points, and returns the label sets", () => {
    const encoded = createRecordEncoder({ metricFormat: METRIC_FORMAT }).encode(
      record({
        timestamps: [1, 2, 3],
        outputs: { anomaly_score: [0.1, null, "Inf"], yhat: ["NaN", "-Inf", NaN], y: [1, 2, 3] },
      }),
    );
    const lines = [
      '{"metric":{"__name__":"vmanomaly_anomaly_score","instance":"host-1:9100","job":"node","for":"cpu_rate"},"values":[0.1],"timestamps":[1]}\n',
      '{"metric":{"__name__":"vmanomaly_y","instance":"host-1:9100","job":"node","for":"cpu_rate"},"values":[1,2,3],"timestamps":[1,2,3]}\n',
    ];
    expect(plain(encoded)).toEqual({
      text: lines.join(""),
      bytes: 268,
      lines,
      series: 2,
      datapoints: 4,
      dropped: { nan: 3, inf: 2 },
      labelSets: [
        { __name__: "vmanomaly_anomaly_score", instance: "host-1:9100", job: "node", for: "cpu_rate" },
        { __name__: "vmanomaly_y", instance: "host-1:9100", job: "node", for: "cpu_rate" },
      ],
    });
  });

  it("gives no lines when no finite point is left (the caller logs 'no valid datapoints')", () => {
    const encoder = createRecordEncoder({ metricFormat: METRIC_FORMAT });
    expect(plain(encoder.encode(record({ outputs: { anomaly_score: [null], yhat: ["Inf"] } })))).toEqual({
      text: "",
      bytes: 0,
      lines: [],
      series: 0,
      datapoints: 0,
      dropped: { nan: 1, inf: 1 },
      labelSets: [],
    });
    expect(encoder.encode(record({ timestamps: [], outputs: { anomaly_score: [] } })).lines).toEqual([]);
  });

  it("splits long series at maxLineBytes", () => {
    const timestamps = Array.from({ length: 100 }, (_, i) => 1732406400000 + i * 1000);
    const encoded = createRecordEncoder({ metricFormat: METRIC_FORMAT, maxLineBytes: 500 }).encode(
      record({ timestamps, outputs: { y: timestamps.map((_, i) => i) } }),
    );
    expect(encoded.lines.length).toBeGreaterThan(3);
    expect(encoded.series).toBe(1);
    expect(encoded.datapoints).toBe(100);
    for (const line of encoded.lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(500);
  });

  it("warns once per label set that breaks a label limit, across inferences", () => {
    const warnings: LabelLimitWarning[] = [];
    const encoder = createRecordEncoder({
      metricFormat: METRIC_FORMAT,
      onLabelWarning: (w) => warnings.push(w),
      labelLimits: { maxLabels: 4 },
    });
    for (let i = 0; i < 3; i++) encoder.encode(record({ labels: { a: "1", b: "2", c: "3" } }));
    encoder.encode(record());
    expect(warnings.map((w) => [w.kind, w.labels.__name__])).toEqual([
      ["too_many_labels", "vmanomaly_anomaly_score"],
      ["too_many_labels", "vmanomaly_yhat"],
    ]);
  });

  it("throws RecordError for a value or timestamp it cannot write, naming the path", () => {
    const encoder = createRecordEncoder({ metricFormat: METRIC_FORMAT });
    const paths = (input: ModelOutputRecord) => {
      try {
        encoder.encode(input);
      } catch (error) {
        expect(error).toBeInstanceOf(RecordError);
        return (error as RecordError).issues.map((issue) => issue.path);
      }
      return [];
    };
    expect(paths(record({ outputs: { yhat: ["12"] } }))).toEqual(["outputs.yhat[0]"]);
    expect(paths(record({ timestamps: [1.5] }))).toEqual(["timestamps[0]"]);
    expect(paths(record({ timestamps: [1, 2], outputs: { yhat: [1, true as unknown as number] } }))).toEqual([
      "outputs.yhat[1]",
    ]);
    expect(paths(record({ outputs: { "yhat-1": [1, 2] } }))).toEqual(['outputs["yhat-1"]']);
  });

  it("rejects bad options at creation", () => {
    expect(() => createRecordEncoder({ metricFormat: { for: "$QUERY_KEY" } })).toThrow(
      expect.objectContaining({ code: "METRIC_FORMAT_INVALID" }),
    );
    expect(() => createRecordEncoder({ metricFormat: METRIC_FORMAT, labelCacheSize: -1 })).toThrow(
      expect.objectContaining({ code: "OPTIONS_INVALID" }),
    );
    expect(() => createRecordEncoder({ metricFormat: METRIC_FORMAT, maxLineBytes: 0 })).toThrow(
      expect.objectContaining({ code: "OPTIONS_INVALID" }),
    );
  });
});

describe("createRecordEncoder against a real VictoriaMetrics", () => {
  let vm: VictoriaMetricsServer;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(async () => {
    await vm?.stop();
  });

  const points = (series: { timestamps: readonly number[]; values: readonly number[] }) =>
    series.timestamps.map((t, i) => [t, series.values[i]]);
  const byLabels = (a: { metric: Readonly<Record<string, string>> }, b: { metric: Readonly<Record<string, string>> }) =>
    labelKey(a.metric).localeCompare(labelKey(b.metric));

  it("round-trips any valid record: exactly its finite points under exactly the expected labels", async () => {
    let run = 0;
    // VictoriaMetrics keeps timestamps in [0, now + 2 days]; export reads up to now.
    const maxTimestamp = Date.now() - 60_000;
    await fc.assert(
      fc.asyncProperty(
        modelOutputRecords({ maxTimestamp, maxLength: 5 }),
        extraMetricFormat,
        async (records, extra) => {
          const id = `rt${run++}_${Date.now()}`;
          const metricFormat = { ...extra, __name__: `${id}_$VAR`, for: "$QUERY_KEY", run: id };
          const encoder = createRecordEncoder({ metricFormat });
          const expected: { metric: Record<string, string>; points: number[][] }[] = [];
          let body = "";
          for (const input of records) {
            body += encoder.encode(input).lines.join("");
            for (const [variable, values] of Object.entries(input.outputs)) {
              const finite = values.flatMap((v, i) =>
                typeof v === "number" && Number.isFinite(v) ? [[input.timestamps[i] as number, v === 0 ? 0 : v]] : [],
              );
              if (finite.length > 0)
                expected.push({
                  metric: expectedLabels(input, variable, metricFormat),
                  points: finite.sort((a, b) => (a[0] as number) - (b[0] as number)),
                });
            }
          }
          if (body !== "") await vm.importLines(body);
          const exported = await vm.exportSeries(`{run="${id}"}`);
          expect(exported.map((s) => ({ metric: s.metric, points: points(s) })).sort(byLabels)).toEqual(
            expected.sort(byLabels),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it("stores hostile labels exactly as formatRecord says (lone surrogates as U+FFFD, empty values dropped)", async () => {
    const metricFormat = { __name__: "hostile_$VAR", for: "$QUERY_KEY" };
    const input = record({
      query_key: 'q"\\\n',
      labels: {
        quote: 'a"b',
        backslash: "c\\d\\",
        newline: "e\nf\r\n",
        control: "\u0000\u0001\u001f\u007f",
        separators: "\u2028\u2029",
        emoji: "😀👍🏽 日本",
        lone: "x\ud800y\udfff",
        "name with spaces & ünïcode 😀": "v",
        'new\nline"name': "w",
        empty: "",
        __proto__: "proto",
      },
      model_alias: "",
      preset: "p\t",
      outputs: { anomaly_score: [1] },
    });
    const encoded = createRecordEncoder({ metricFormat }).encode(input);
    await vm.importLines(encoded.lines.join(""));
    const exported = await vm.exportSeries('{__name__="hostile_anomaly_score"}');
    expect(exported.map((s) => s.metric)).toEqual([expectedLabels(input, "anomaly_score", metricFormat)]);
    expect(exported[0]?.metric).toEqual(encoded.labelSets[0]);
    expect(exported[0]?.metric.lone).toBe("x\ufffdy\ufffd");
    expect(Object.keys(exported[0]?.metric ?? {})).not.toContain("empty");
  });

  it("writes a series split into many lines completely", async () => {
    const timestamps = Array.from({ length: 5000 }, (_, i) => 1732406400000 + i * 15_000);
    const values = timestamps.map((_, i) => (i % 97) / 8);
    const encoded = createRecordEncoder({ metricFormat: { __name__: "split_$VAR" }, maxLineBytes: 2048 }).encode(
      record({ timestamps, outputs: { yhat: values } }),
    );
    expect(encoded.lines.length).toBeGreaterThan(20);
    for (const line of encoded.lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(2048);
    await vm.importLines(encoded.lines.join(""));
    const exported: ExportedSeries[] = await vm.exportSeries('{__name__="split_yhat"}');
    expect(exported).toHaveLength(1);
    expect(exported[0]?.timestamps).toEqual(timestamps);
    expect(exported[0]?.values).toEqual(values);
  });

  it("writes exponent forms VictoriaMetrics parses (1e+21, 1.5e-7) and -0 as 0", async () => {
    const values = [1e21, 1.5e-7, -0, -2.5e300];
    const encoded = createRecordEncoder({ metricFormat: { __name__: "numbers_$VAR" } }).encode(
      record({ timestamps: [1], outputs: Object.fromEntries(values.map((v, i) => [`v${i}`, [v]])) }),
    );
    expect(encoded.lines.map((line) => /"values":\[([^\]]*)\]/.exec(line)?.[1])).toEqual([
      "1e+21",
      "1.5e-7",
      "0",
      "-2.5e+300",
    ]);
    await vm.importLines(encoded.lines.join(""));
    const exported = await vm.exportSeries('{__name__=~"numbers_.*"}');
    expect(exported.map((s) => [s.metric.__name__, s.values[0]])).toEqual([
      ["numbers_v0", 1e21],
      ["numbers_v1", 1.5e-7],
      ["numbers_v2", 0],
      ["numbers_v3", -2.5e300],
    ]);
  });

  it("documents a VictoriaMetrics 1.79 quirk: about 12 significant digits are kept", async () => {
    const encoded = createRecordEncoder({ metricFormat: { __name__: "precision_$VAR" } }).encode(
      record({ timestamps: [1], outputs: { pi: [Math.PI] } }),
    );
    expect(encoded.lines[0]).toContain('"values":[3.141592653589793]'); // we send every digit
    await vm.importLines(encoded.lines.join(""));
    const [stored] = await vm.exportSeries('{__name__="precision_pi"}');
    expect(Math.abs((stored?.values[0] ?? 0) - Math.PI) / Math.PI).toBeLessThan(1e-12);
  });
});
