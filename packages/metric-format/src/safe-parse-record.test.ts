import { describe, expect, it } from "vitest";
import { RecordError } from "./errors.ts";
import { parseRecord } from "./parse-record.ts";
import { safeParseRecord } from "./safe-parse-record.ts";

const good = {
  query_key: "cpu_rate",
  labels: { instance: "host-1:9100", job: "node", mode: "idle" },
  timestamps: [1732406400000, 1732406460000],
  outputs: {
    anomaly_score: [0.42, 1.7],
    y: [12.5, null],
    yhat: [11.9, "NaN"],
    yhat_lower: ["Inf", 10.3],
    yhat_upper: ["-Inf", 14.0],
  },
  model_alias: "zscore",
  scheduler_alias: "s1",
  preset: "node-exporter",
};

const paths = (input: unknown) => {
  const result = safeParseRecord(input);
  return result.success ? [] : result.issues.map((issue) => issue.path);
};

describe("safeParseRecord", () => {
  it("accepts the spec §2 example and returns only the known fields", () => {
    const result = safeParseRecord({ ...good, extra: "ignored", future_field: [1] });
    expect(result).toEqual({ success: true, output: good });
  });

  it("accepts empty labels (an aggregated query has none) and absent or null aliases", () => {
    const result = safeParseRecord({ query_key: "q", labels: {}, timestamps: [1], outputs: { y: [1] }, preset: null });
    expect(result).toEqual({
      success: true,
      output: { query_key: "q", labels: {}, timestamps: [1], outputs: { y: [1] } },
    });
  });

  it("accepts a record without timestamps (nothing to write)", () => {
    expect(safeParseRecord({ query_key: "q", labels: {}, timestamps: [], outputs: { y: [] } }).success).toBe(true);
  });

  it.each([
    ["a non-object record", "text", [""]],
    ["an array record", [good], [""]],
    ["a missing query_key", { ...good, query_key: undefined }, ["query_key"]],
    ["an empty query_key", { ...good, query_key: "" }, ["query_key"]],
    ["a numeric query_key", { ...good, query_key: 7 }, ["query_key"]],
    ["missing labels", { ...good, labels: undefined }, ["labels"]],
    ["labels as an array", { ...good, labels: ["a"] }, ["labels"]],
    ["a numeric label value", { ...good, labels: { host: "a", cpu: 1 } }, ["labels.cpu"]],
    ["a null label value", { ...good, labels: { "odd-name": null } }, ['labels["odd-name"]']],
    ["an empty label name", { ...good, labels: { "": "x" } }, ['labels[""]']],
    ["timestamps not an array", { ...good, timestamps: 1732406400000, outputs: { y: [1] } }, ["timestamps"]],
    ["a float timestamp", { ...good, timestamps: [1732406400000.5, 1732406460000] }, ["timestamps[0]"]],
    ["a string timestamp", { ...good, timestamps: [1732406400000, "1732406460000"] }, ["timestamps[1]"]],
    ["a negative timestamp", { ...good, timestamps: [-1, 1732406460000] }, ["timestamps[0]"]],
    ["an unsafe integer timestamp", { ...good, timestamps: [2 ** 60, 1732406460000] }, ["timestamps[0]"]],
    ["missing outputs", { ...good, outputs: undefined }, ["outputs"]],
    ["no outputs", { ...good, outputs: {} }, ["outputs"]],
    ["an output that is not an array", { ...good, outputs: { yhat: 1 } }, ["outputs.yhat"]],
    ["an output of another length", { ...good, outputs: { yhat: [1, 2, 3] } }, ["outputs.yhat"]],
    ["an empty output name", { ...good, outputs: { "": [1, 2] } }, ['outputs[""]']],
    ["a numeric string value", { ...good, outputs: { yhat: [1, "2.5"] } }, ["outputs.yhat[1]"]],
    ["a boolean value", { ...good, outputs: { yhat: [true, 1] } }, ["outputs.yhat[0]"]],
    ["an object value", { ...good, outputs: { "yhat.1d": [1, {}] } }, ['outputs["yhat.1d"][1]']],
    ["a numeric alias", { ...good, model_alias: 3 }, ["model_alias"]],
    ["a non-string preset", { ...good, preset: ["x"] }, ["preset"]],
  ])("reports %s at the precise path", (_, input, expected) => {
    expect(paths(input)).toEqual(expected);
  });

  it("reports every problem of a record at once", () => {
    expect(paths({ query_key: "", labels: { a: 1 }, timestamps: [1.5], outputs: { y: ["x", 2] }, preset: 1 })).toEqual([
      "query_key",
      "labels.a",
      "timestamps[0]",
      "outputs.y",
      "outputs.y[0]",
      "preset",
    ]);
  });

  it("lists at most 20 issues and counts the rest", () => {
    const result = safeParseRecord({
      ...good,
      timestamps: Array.from({ length: 100 }, () => 0.5),
      outputs: { y: Array.from({ length: 100 }, () => 1) },
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toHaveLength(21);
    expect(result.issues[20]).toEqual({ path: "", message: "80 more issues not listed" });
  });

  it("says what was wrong in the message", () => {
    const result = safeParseRecord({ ...good, timestamps: [1732406400000.5, 1], outputs: { y: [1, 2] } });
    expect(result).toEqual({
      success: false,
      issues: [
        {
          path: "timestamps[0]",
          message: expect.stringMatching(/integer Unix millisecond.*1732406400000\.5.*fractional/),
          reason: "invalid_timestamp",
        },
      ],
    });
  });

  it("handles bad records next to good ones: each is judged alone", () => {
    const stream = [
      good,
      { ...good, labels: { host: 5 } },
      { ...good, query_key: "other" },
      "garbage",
      { ...good, outputs: { y: [1] } },
    ];
    const results = stream.map((input) => safeParseRecord(input));
    expect(results.map((r) => r.success)).toEqual([true, false, true, false, false]);
    expect(results.flatMap((r, i) => (r.success ? [] : r.issues.map((issue) => `#${i} ${issue.path}`)))).toEqual([
      "#1 labels.host",
      "#3 ",
      "#4 outputs.y",
    ]);
  });
});

describe("parseRecord", () => {
  it("returns the record", () => {
    expect(parseRecord(good)).toEqual(good);
  });

  it("throws RecordError with code RECORD_INVALID, the issues and a prefixed message", () => {
    let caught: unknown;
    try {
      parseRecord({ ...good, labels: { cpu: 1 }, timestamps: [1.5, 2] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RecordError);
    const error = caught as RecordError;
    expect(error.code).toBe("RECORD_INVALID");
    expect(error.name).toBe("RecordError");
    expect(error.issues.map((issue) => issue.path)).toEqual(["labels.cpu", "timestamps[0]"]);
    expect(error.message).toMatch(
      /^\[metric-format\] invalid model-output record: labels\.cpu: label value must be a string, got the number 1; timestamps\[0\]: /,
    );
  });
});
