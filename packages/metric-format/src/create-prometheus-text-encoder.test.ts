import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPrometheusTextEncoder } from "./create-prometheus-text-encoder.ts";
import { createRecordEncoder, type EncodedRecord } from "./create-record-encoder.ts";
import { safeParseRecord } from "./safe-parse-record.ts";
import { hostileString } from "./testing/arbitraries.ts";
import { parseJsonLines, parsePrometheusText, type TextSample } from "./testing/parse-prometheus-text.ts";
import type { ModelOutputRecord } from "./types.ts";

const FORMATS: Readonly<Record<string, string>>[] = [
  { __name__: "$VAR", for: "$QUERY_KEY" },
  { __name__: "vmanomaly:$VAR", for: "PREFIX_$QUERY_KEY", run: "r1", empty: "" },
  { __name__: "x_$VAR", for: "$QUERY_KEY", instance: "from-format" },
  { __name__: "$VAR", for: "$QUERY_KEY", model_alias: "overridden" },
  { __name__: "$VAR", for: "$QUERY_KEY", "bad-name": "x" },
];

const promName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,7}$/);
const labelName = fc.oneof(
  { weight: 12, arbitrary: promName },
  {
    weight: 1,
    arbitrary: fc.constantFrom("for", "model_alias", "__name__", "__proto__", "a-b", "ünï", "12", "a:b", "instance"),
  },
  { weight: 1, arbitrary: hostileString(6).filter((s) => s !== "") },
);
const labelValue = fc.oneof(
  { weight: 3, arbitrary: hostileString(8) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "a\\b", 'q"x', "nl\nx", "\\", "\\n", '\\"', "x\\", "\r\n", "}", '",a="b'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 600 }) },
);
const value = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    null,
    "NaN",
    "Inf",
    "-Inf",
    "+inf",
    "bogus",
    1e21,
    -0,
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    2.2250738585072014e-308,
    0.1 + 0.2,
    123456789012345680000,
  ),
);
const timestamp = fc.oneof(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.constant(0), fc.constant(1732406400000));

const record = fc
  .record(
    {
      query_key: fc.oneof(
        fc.constantFrom("q", "cpu_rate", 'a"b\\c\nd'),
        hostileString(6).filter((s) => s !== ""),
      ),
      labels: fc.dictionary(labelName, labelValue, { maxKeys: 6 }),
      timestamps: fc.oneof(
        { weight: 4, arbitrary: fc.tuple(timestamp) },
        { weight: 1, arbitrary: fc.array(timestamp, { maxLength: 3 }) },
      ),
      model_alias: fc.option(fc.oneof(fc.constant(""), fc.constant("zscore"), hostileString(5)), { nil: undefined }),
      scheduler_alias: fc.option(fc.oneof(fc.constant("s1"), hostileString(5)), { nil: undefined }),
      preset: fc.option(fc.constantFrom("node-exporter", ""), { nil: undefined }),
      variables: fc.oneof(
        {
          weight: 3,
          arbitrary: fc.uniqueArray(fc.constantFrom<string>("anomaly_score", "y", "yhat", "trend:1"), {
            minLength: 1,
            maxLength: 3,
          }),
        },
        {
          weight: 1,
          arbitrary: fc.uniqueArray(fc.constantFrom<string>("anomaly_score", "y", "a.b", "é_var"), {
            minLength: 1,
            maxLength: 3,
          }),
        },
      ),
    },
    { requiredKeys: ["query_key", "labels", "timestamps", "variables"] },
  )
  .chain((r) =>
    fc
      .tuple(
        ...r.variables.map(() => fc.array(value, { minLength: r.timestamps.length, maxLength: r.timestamps.length })),
      )
      .map((columns) => {
        const { variables, ...rest } = r;
        return {
          ...rest,
          outputs: Object.fromEntries(variables.map((v, i) => [v, columns[i] ?? []])),
        } as ModelOutputRecord;
      }),
  );

/** What an encoder answered, as plain data (an error's message, undefined, or the encoded record). */
function outcome(encode: () => EncodedRecord | undefined) {
  let encoded: EncodedRecord | undefined;
  try {
    encoded = encode();
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (encoded === undefined) return undefined;
  expect(encoded.bytes).toBe(Buffer.byteLength(encoded.text));
  expect(encoded.lines.join("")).toBe(encoded.text);
  return {
    text: encoded.text,
    series: encoded.series,
    datapoints: encoded.datapoints,
    dropped: encoded.dropped,
    labelSets: encoded.labelSets.map((l) => ({ ...l })),
  };
}

const byKey = (samples: readonly TextSample[]) =>
  [...samples].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe("createPrometheusTextEncoder", () => {
  it("writes one escaped line per series: name{labels} value timestamp_ms", () => {
    const encoder = createPrometheusTextEncoder({ metricFormat: { __name__: "vmanomaly_$VAR", for: "$QUERY_KEY" } });
    const input = {
      query_key: 'c"p\\u',
      labels: { instance: 'h"1', job: "a\\b\nc" },
      timestamps: [1732406400000],
      outputs: { y: [1.5], yhat: [null], z: [1e21] },
      model_alias: "m",
    };
    const encoded = encoder.encodeIfValid(input);
    expect(encoded?.text).toBe(
      'vmanomaly_y{instance="h\\"1",job="a\\\\b\\nc",model_alias="m",for="c\\"p\\\\u"} 1.5 1732406400000\n' +
        'vmanomaly_z{instance="h\\"1",job="a\\\\b\\nc",model_alias="m",for="c\\"p\\\\u"} 1e+21 1732406400000\n',
    );
    expect(encoded).toMatchObject({ series: 2, datapoints: 2, dropped: { nan: 1, inf: 0 } });
    expect(encoded?.labelSets).toEqual([
      { __name__: "vmanomaly_y", instance: 'h"1', job: "a\\b\nc", model_alias: "m", for: 'c"p\\u' },
      { __name__: "vmanomaly_z", instance: 'h"1', job: "a\\b\nc", model_alias: "m", for: 'c"p\\u' },
    ]);
    expect(encoder.encode(input as ModelOutputRecord)?.text).toBe(encoded?.text);
  });

  it("leaves to JSON lines what Prometheus text cannot carry exactly", () => {
    const encoder = createPrometheusTextEncoder({ metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" } });
    const good: ModelOutputRecord = { query_key: "q", labels: { a: "1" }, timestamps: [1000], outputs: { y: [2] } };
    expect(encoder.encode(good)?.text).toBe('y{a="1",for="q"} 2 1000\n');
    expect(encoder.encode({ ...good, timestamps: [1000, 2000], outputs: { y: [1, 2] } })).toBeUndefined();
    expect(encoder.encode({ ...good, timestamps: [0] })).toBeUndefined(); // VictoriaMetrics would read 0 as "now"
    expect(encoder.encode({ ...good, outputs: { "a.b": [1] } })).toBeUndefined();
    expect(encoder.encode({ ...good, outputs: { "1y": [1] } })).toBeUndefined();
    expect(encoder.encode({ ...good, labels: { "a-b": "1" } })).toBeUndefined();
    expect(encoder.encode({ ...good, labels: { "a:b": "1" } })).toBeUndefined();
    expect(encoder.encode({ ...good, labels: { ünï: "1" } })).toBeUndefined();
    expect(
      createPrometheusTextEncoder({ metricFormat: { __name__: "$VAR", for: "$QUERY_KEY", "x-y": "1" } }).encode(good),
    ).toBeUndefined();
    expect(
      createPrometheusTextEncoder({ metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" }, maxLineBytes: 10 }).encode(
        good,
      ),
    ).toBeUndefined();
  });

  it("builds label sets as the JSON encoder does where the template path steps aside", () => {
    const metricFormat = { __name__: "$VAR", for: "$QUERY_KEY" };
    const text = createPrometheusTextEncoder({ metricFormat });
    const json = createRecordEncoder({ metricFormat });
    // An input label named like a metric_format key (metric_format wins), an empty value (left out), a lone surrogate (U+FFFD).
    const r: ModelOutputRecord = {
      query_key: "q",
      labels: { for: "input", empty: "", s: "a\ud800" },
      timestamps: [5],
      outputs: { y: [3] },
      preset: "",
    };
    expect(text.encode(r)?.text).toBe('y{for="q",s="a\ufffd"} 3 5\n');
    expect(text.encode(r)?.labelSets).toEqual(json.encode(r).labelSets);
  });

  it("carries the same series, values and timestamps as the JSON encoder, and the same drops (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), record, (metricFormat, r) => {
        const text = createPrometheusTextEncoder({ metricFormat });
        const json = createRecordEncoder({ metricFormat });
        const answer = outcome(() => text.encode(r));
        const expected = outcome(() => json.encode(r));
        if (answer === undefined) return;
        if ("error" in answer) return void expect(expected).toEqual(answer);
        if (expected === undefined || "error" in expected)
          throw new Error(`text answered where JSON did not: ${JSON.stringify(expected)}`);
        expect(byKey(parsePrometheusText(answer.text))).toEqual(byKey(parseJsonLines(expected.text)));
        expect({ ...answer, text: "" }).toEqual({ ...expected, text: "" });
      }),
      { numRuns: 1500 },
    );
  });

  it("takes every single-point record whose names Prometheus text can carry (property)", () => {
    const simple = fc.record({
      query_key: hostileString(6).filter((s) => s !== ""),
      labels: fc.dictionary(
        promName.filter((n) => !["for", "model_alias", "scheduler_alias", "preset"].includes(n)),
        labelValue.filter((v) => v !== ""),
        { maxKeys: 5 },
      ),
      timestamps: fc.tuple(fc.integer({ min: 1, max: 4_000_000_000_000 })),
      outputs: fc.dictionary(fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,6}$/), fc.tuple(value), {
        minKeys: 1,
        maxKeys: 4,
      }),
    });
    fc.assert(
      fc.property(simple, (input) => {
        const parsed = safeParseRecord(input);
        fc.pre(parsed.success);
        if (!parsed.success) return;
        expect(
          createPrometheusTextEncoder({ metricFormat: FORMATS[0] as Record<string, string> }).encode(parsed.output),
        ).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });

  it("writes on its template path exactly what its general path writes (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FORMATS),
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 60, max: 2000 }),
        (metricFormat, records, maxLineBytes) => {
          const limits = { maxLabels: 6, maxValueBytes: 500 };
          const fast = createPrometheusTextEncoder({
            metricFormat,
            maxLineBytes,
            onLabelWarning: () => undefined,
            labelLimits: limits,
          });
          const general = createPrometheusTextEncoder({
            metricFormat,
            maxLineBytes,
            templatePath: false,
            onLabelWarning: () => undefined,
            labelLimits: limits,
          });
          for (const r of records) expect(outcome(() => fast.encode(r))).toEqual(outcome(() => general.encode(r)));
        },
      ),
      { numRuns: 800 },
    );
  });

  it("encodeIfValid answers only for records safeParseRecord accepts, with what encode gives them (property)", () => {
    const mutated = fc.tuple(record, fc.integer({ min: 0, max: 9 }), fc.anything()).map(([r, kind, junk]) => {
      const copy: Record<string, unknown> = { ...r, labels: { ...r.labels }, outputs: { ...r.outputs } };
      const outputs = copy.outputs as Record<string, unknown>;
      const first = Object.keys(outputs)[0] ?? "y";
      if (kind === 0) return junk;
      if (kind === 1) (copy.labels as Record<string, unknown>).bad = junk;
      if (kind === 2) copy.timestamps = junk;
      if (kind === 3) copy.timestamps = [1.5];
      if (kind === 4) outputs[first] = junk;
      if (kind === 5) outputs[first] = [junk];
      if (kind === 6) copy.scheduler_alias = junk;
      if (kind === 7) copy.model_alias = null;
      if (kind === 8) copy.outputs = {};
      if (kind === 9) copy.query_key = junk;
      return copy;
    });
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), fc.oneof(record, mutated), (metricFormat, input) => {
        const answer = createPrometheusTextEncoder({ metricFormat }).encodeIfValid(input);
        if (answer === undefined) return;
        const parsed = safeParseRecord(input);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        const general = createPrometheusTextEncoder({ metricFormat, templatePath: false });
        expect(outcome(() => answer)).toEqual(outcome(() => general.encode(parsed.output)));
      }),
      { numRuns: 1500 },
    );
  });
});
