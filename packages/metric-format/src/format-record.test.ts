import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetricFormatError, RecordError } from "./errors.ts";
import { formatRecord } from "./format-record.ts";
import { hostileString, labelName, nonFiniteValue, vmExactNumber } from "./testing/arbitraries.ts";
import { expectedLabels } from "./testing/expected-labels.ts";
import type { ModelOutputRecord } from "./types.ts";

const record = (overrides: Partial<ModelOutputRecord> = {}): ModelOutputRecord => ({
  query_key: "q1",
  labels: { host: "a" },
  timestamps: [1732406400000],
  outputs: { anomaly_score: [0.5] },
  ...overrides,
});

describe("formatRecord: the seed's Metrics formatting example", () => {
  const metricFormat = {
    __name__: "PREFIX1_$VAR",
    for: "PREFIX2_$QUERY_KEY",
    custom_label_1: "label_name_1",
    custom_label_2: "label_name_2",
  };
  const labels = { cpu: "1", device: "eth0", instance: "node-exporter:9100" };

  it("gives exactly the seed's four label sets", () => {
    const labelSets = ["query_name_1", "query_name_2"].flatMap((query_key) =>
      formatRecord(record({ query_key, labels, outputs: { anomaly_score: [0.1], yhat_lower: [0.2] } }), {
        metricFormat,
      }).series.map((s) => s.labels),
    );
    expect(labelSets).toEqual([
      {
        __name__: "PREFIX1_anomaly_score",
        for: "PREFIX2_query_name_1",
        custom_label_1: "label_name_1",
        custom_label_2: "label_name_2",
        cpu: "1",
        device: "eth0",
        instance: "node-exporter:9100",
      },
      {
        __name__: "PREFIX1_yhat_lower",
        for: "PREFIX2_query_name_1",
        custom_label_1: "label_name_1",
        custom_label_2: "label_name_2",
        cpu: "1",
        device: "eth0",
        instance: "node-exporter:9100",
      },
      {
        __name__: "PREFIX1_anomaly_score",
        for: "PREFIX2_query_name_2",
        custom_label_1: "label_name_1",
        custom_label_2: "label_name_2",
        cpu: "1",
        device: "eth0",
        instance: "node-exporter:9100",
      },
      {
        __name__: "PREFIX1_yhat_lower",
        for: "PREFIX2_query_name_2",
        custom_label_1: "label_name_1",
        custom_label_2: "label_name_2",
        cpu: "1",
        device: "eth0",
        instance: "node-exporter:9100",
      },
    ]);
  });

  it("gives the spec §3 example", () => {
    const { series } = formatRecord(record({ labels: { cpu: "1", device: "eth0" }, outputs: { anomaly_score: [1] } }), {
      metricFormat: { __name__: "PREFIX1_$VAR", for: "PREFIX2_$QUERY_KEY", custom_label_1: "label_name_1" },
    });
    expect(series[0]?.labels).toEqual({
      __name__: "PREFIX1_anomaly_score",
      for: "PREFIX2_q1",
      custom_label_1: "label_name_1",
      cpu: "1",
      device: "eth0",
    });
  });

  it("keeps one series per output variable, with its variable, timestamps and values", () => {
    const { series, dropped } = formatRecord(
      record({ timestamps: [1, 2], outputs: { anomaly_score: [0.42, 1.7], yhat: [11.9, 12.2] } }),
      { metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" } },
    );
    expect(series).toEqual([
      {
        labels: { __name__: "anomaly_score", for: "q1", host: "a" },
        variable: "anomaly_score",
        timestamps: [1, 2],
        values: [0.42, 1.7],
      },
      {
        labels: { __name__: "yhat", for: "q1", host: "a" },
        variable: "yhat",
        timestamps: [1, 2],
        values: [11.9, 12.2],
      },
    ]);
    expect(dropped).toEqual({ nan: 0, inf: 0 });
  });
});

describe("formatRecord: label precedence", () => {
  it("input labels < model_alias/scheduler_alias/preset < metric_format", () => {
    const { series } = formatRecord(
      record({
        labels: {
          __name__: "input_name",
          for: "input_for",
          model_alias: "input_alias",
          preset: "input_preset",
          keep: "me",
        },
        model_alias: "zscore",
        scheduler_alias: "s1",
        preset: "node-exporter",
      }),
      { metricFormat: { __name__: "out_$VAR", for: "$QUERY_KEY", preset: "from_format" } },
    );
    expect(series[0]?.labels).toEqual({
      __name__: "out_anomaly_score",
      for: "q1",
      model_alias: "zscore",
      scheduler_alias: "s1",
      preset: "from_format",
      keep: "me",
    });
    // __name__ is written first, whatever the order of the sources.
    expect(Object.keys(series[0]?.labels ?? {})[0]).toBe("__name__");
  });

  it("replaces $VAR and $QUERY_KEY anywhere in any value, every occurrence, in one pass", () => {
    const { series } = formatRecord(record({ query_key: "rate$VAR", outputs: { yhat: [1] } }), {
      metricFormat: {
        __name__: "a_$VAR_b_$VAR",
        for: "x-$QUERY_KEY-$VAR-$QUERY_KEY",
        note: "$QUERY_KEYS and $VARIABLE",
        $VAR: "key stays",
      },
    });
    expect(series[0]?.labels).toEqual({
      __name__: "a_yhat_b_yhat",
      for: "x-rate$VAR-yhat-rate$VAR",
      note: "rate$VARS and yhatIABLE",
      $VAR: "key stays",
      host: "a",
    });
  });

  it("leaves out labels with an empty value (VictoriaMetrics drops them); an empty metric_format value removes an input label", () => {
    const { series } = formatRecord(record({ labels: { host: "", keep: "x", cleared: "by format" }, preset: "" }), {
      metricFormat: { __name__: "$VAR", cleared: "" },
    });
    expect(series[0]?.labels).toEqual({ __name__: "anomaly_score", keep: "x" });
  });

  it("turns lone surrogates into U+FFFD and keeps valid pairs", () => {
    const { series } = formatRecord(record({ labels: { "n\ud800": "v\udc00x", emoji: "😀" } }), {
      metricFormat: { __name__: "$VAR" },
    });
    expect(series[0]?.labels).toEqual({ __name__: "anomaly_score", "n\ufffd": "v\ufffdx", emoji: "😀" });
  });

  it("keeps a label called __proto__ as a label", () => {
    const labels = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const { series } = formatRecord(record({ labels }), { metricFormat: { __name__: "$VAR" } });
    expect(Object.getPrototypeOf(series[0]?.labels)).toBe(Object.prototype);
    expect(JSON.stringify(series[0]?.labels)).toBe('{"__name__":"anomaly_score","__proto__":"p","constructor":"c"}');
  });

  it("matches the plain-way oracle for any labels, aliases and metric_format", () => {
    fc.assert(
      fc.property(
        fc.dictionary(labelName, hostileString(), { maxKeys: 8 }),
        fc.record({ model_alias: hostileString(), preset: hostileString() }, { requiredKeys: [] }),
        fc.dictionary(
          labelName.filter((name) => name !== "__name__"),
          hostileString(),
          { maxKeys: 4 },
        ),
        hostileString().filter((key) => key !== ""),
        (labels, aliases, extraFormat, queryKey) => {
          const metricFormat = { __name__: "m_$VAR", ...extraFormat };
          const input = record({ labels, query_key: queryKey, outputs: { yhat: [1], trend: [2] }, ...aliases });
          const { series } = formatRecord(input, { metricFormat });
          expect(series.map((s) => s.labels)).toEqual([
            expectedLabels(input, "yhat", metricFormat),
            expectedLabels(input, "trend", metricFormat),
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("formatRecord: non-finite values", () => {
  it("drops and counts every spelling: null, NaN, 'NaN', 'nan' as nan; Inf forms as inf", () => {
    const { series, dropped } = formatRecord(
      record({
        timestamps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        outputs: { y: [null, "NaN", "nan", NaN, "Inf", "+Inf", "-Inf", "inf", "-Infinity", Infinity, -Infinity, 7] },
      }),
      { metricFormat: { __name__: "$VAR" } },
    );
    expect(dropped).toEqual({ nan: 4, inf: 7 });
    expect(series).toEqual([{ labels: { __name__: "y", host: "a" }, variable: "y", timestamps: [12], values: [7] }]);
  });

  it("omits a variable with no finite point left, and writes -0 as 0", () => {
    const { series, dropped } = formatRecord(
      record({ timestamps: [1, 2], outputs: { yhat: [null, "Inf"], y: [-0, 1] } }),
      { metricFormat: { __name__: "$VAR" } },
    );
    expect(series.map((s) => s.variable)).toEqual(["y"]);
    expect(Object.is(series[0]?.values[0], 0)).toBe(true);
    expect(dropped).toEqual({ nan: 1, inf: 1 });
  });

  it("gives no series at all when nothing finite is left", () => {
    const { series, dropped } = formatRecord(record({ outputs: { yhat: [null], y: ["-Inf"] } }), {
      metricFormat: { __name__: "$VAR" },
    });
    expect(series).toEqual([]);
    expect(dropped).toEqual({ nan: 1, inf: 1 });
  });

  it("keeps exactly the finite points, in order, for any mix", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(vmExactNumber, fc.double(), nonFiniteValue), { maxLength: 30 }), (values) => {
        const timestamps = values.map((_, i) => 1000 + i);
        const { series, dropped } = formatRecord(record({ timestamps, outputs: { y: values } }), {
          metricFormat: { __name__: "$VAR" },
        });
        const finite = values.flatMap((v, i) =>
          typeof v === "number" && Number.isFinite(v) ? [[timestamps[i], v === 0 ? 0 : v]] : [],
        );
        expect(series.flatMap((s) => s.timestamps.map((t, i) => [t, s.values[i]]))).toEqual(finite);
        expect(dropped.nan + dropped.inf).toBe(values.length - finite.length);
      }),
    );
  });
});

describe("formatRecord: errors", () => {
  it("rejects a value that is neither a number nor a NaN/Inf spelling, naming its path", () => {
    const bad = record({ outputs: { "yhat-1": ["1.5"] } });
    expect(() => formatRecord(bad, { metricFormat: { __name__: "$VAR" } })).toThrow(RecordError);
    try {
      formatRecord(bad, { metricFormat: { __name__: "$VAR" } });
    } catch (error) {
      expect((error as RecordError).issues).toEqual([
        { path: 'outputs["yhat-1"][0]', message: expect.stringContaining("must be a number") },
      ]);
      expect((error as RecordError).code).toBe("RECORD_INVALID");
    }
  });

  it.each([
    [{ for: "$QUERY_KEY" }, /non-empty "__name__"/],
    [{ __name__: "", v: "$VAR" }, /non-empty "__name__"/],
    [{ __name__: "static", for: "$QUERY_KEY" }, /\$VAR/],
    [{ __name__: "$VAR", bad: 5 as unknown as string }, /metric_format.bad must be a string/],
    [{ __name__: "$VAR", "": "x" }, /empty label name/],
  ])("rejects metric_format %j with METRIC_FORMAT_INVALID", (metricFormat, message) => {
    expect(() => formatRecord(record(), { metricFormat })).toThrow(message);
    expect(() => formatRecord(record(), { metricFormat })).toThrow(
      expect.objectContaining({ code: "METRIC_FORMAT_INVALID", name: "MetricFormatError" }),
    );
    expect(() => formatRecord(record(), { metricFormat })).toThrow(MetricFormatError);
  });

  it("accepts $VAR in a label other than __name__", () => {
    const { series } = formatRecord(record({ outputs: { y: [1], yhat: [2] } }), {
      metricFormat: { __name__: "anomaly", var: "$VAR" },
    });
    expect(series.map((s) => s.labels)).toEqual([
      { __name__: "anomaly", var: "y", host: "a" },
      { __name__: "anomaly", var: "yhat", host: "a" },
    ]);
  });
});
