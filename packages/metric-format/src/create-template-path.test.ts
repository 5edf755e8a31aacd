import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRecordEncoder } from "./create-record-encoder.ts";
import { safeParseRecord } from "./safe-parse-record.ts";
import { hostileString, labelName } from "./testing/arbitraries.ts";
import type { LabelLimitWarning, ModelOutputRecord } from "./types.ts";

const FORMATS: Readonly<Record<string, string>>[] = [
  { __name__: "$VAR", for: "$QUERY_KEY" },
  { __name__: "vmanomaly_$VAR", for: "PREFIX_$QUERY_KEY", run: "r1", empty: "" },
  { __name__: "x_$VAR", for: "$QUERY_KEY", instance: "from-format", "1num": "n" },
  { __name__: "$VAR", for: "$QUERY_KEY", model_alias: "overridden" },
];

const value = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.constantFrom(null, "NaN", "Inf", "-Inf", "+inf", "nan", "bogus", 1e21, -0, 5e-324),
);

const record = fc
  .record(
    {
      query_key: fc.oneof(
        fc.constantFrom("q", "cpu_rate"),
        hostileString(6).filter((s) => s !== ""),
      ),
      labels: fc.dictionary(
        fc.oneof(
          labelName,
          fc.constantFrom("instance", "job", "for", "model_alias", "12", "__name__", "vm_account_id"),
        ),
        fc.oneof(hostileString(8), fc.constant(""), fc.string({ maxLength: 3000 })),
        { maxKeys: 6 },
      ),
      timestamps: fc.array(fc.integer({ min: 0, max: 4_000_000_000_000 }), { minLength: 0, maxLength: 4 }),
      model_alias: fc.option(fc.oneof(fc.constant(""), hostileString(5)), { nil: undefined }),
      scheduler_alias: fc.option(hostileString(5), { nil: undefined }),
      preset: fc.option(fc.constantFrom("node-exporter", ""), { nil: undefined }),
      variables: fc.uniqueArray(fc.constantFrom("anomaly_score", "y", "yhat", "trend", "é_var"), {
        minLength: 1,
        maxLength: 3,
      }),
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

function outcome(encode: () => ReturnType<ReturnType<typeof createRecordEncoder>["encode"]>) {
  let encoded: ReturnType<typeof encode>;
  try {
    encoded = encode();
  } catch (error) {
    return { error: (error as Error).message };
  }
  // text, bytes and lines agree on both paths.
  expect(encoded.bytes).toBe(Buffer.byteLength(encoded.text));
  expect(encoded.lines.join("")).toBe(encoded.text);
  return {
    text: encoded.text,
    bytes: encoded.bytes,
    lines: encoded.lines,
    series: encoded.series,
    datapoints: encoded.datapoints,
    dropped: encoded.dropped,
    labelSets: encoded.labelSets.map((l) => ({ ...l })),
  };
}

describe("the template path of createRecordEncoder", () => {
  it("writes exactly what the general path writes, for any record and metric_format (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FORMATS),
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 200, max: 2000 }),
        (metricFormat, records, maxLineBytes) => {
          const warnFast: LabelLimitWarning[] = [];
          const warnGeneral: LabelLimitWarning[] = [];
          const fast = createRecordEncoder({
            metricFormat,
            maxLineBytes,
            onLabelWarning: (w) => warnFast.push(w),
            labelLimits: { maxLabels: 6, maxValueBytes: 500 },
          });
          const general = createRecordEncoder({
            metricFormat,
            maxLineBytes,
            templatePath: false,
            onLabelWarning: (w) => warnGeneral.push(w),
            labelLimits: { maxLabels: 6, maxValueBytes: 500 },
          });
          for (const r of records) expect(outcome(() => fast.encode(r))).toEqual(outcome(() => general.encode(r)));
          expect(warnFast.map((w) => w.kind)).toEqual(warnGeneral.map((w) => w.kind));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("is taken for the common record and needs no label cache", () => {
    const encoder = createRecordEncoder({
      metricFormat: { __name__: "vmanomaly_$VAR", for: "$QUERY_KEY" },
      labelCacheSize: 0,
    });
    const encoded = encoder.encode({
      query_key: "cpu",
      labels: { instance: "h:9100", job: "node" },
      timestamps: [1732406400000],
      outputs: { y: [1.5], yhat: [null] },
      model_alias: "m",
    });
    expect(encoded.lines).toEqual([
      '{"metric":{"__name__":"vmanomaly_y","instance":"h:9100","job":"node","model_alias":"m","for":"cpu"},"values":[1.5],"timestamps":[1732406400000]}\n',
    ]);
    expect(encoded).toMatchObject({ series: 1, datapoints: 1, dropped: { nan: 1, inf: 0 } });
    expect(encoded.labelSets).toEqual([
      { __name__: "vmanomaly_y", instance: "h:9100", job: "node", model_alias: "m", for: "cpu" },
    ]);
  });
});

/** A record with one field broken in a way safeParseRecord refuses (or accepts: null aliases, extra keys). */
const mutated = fc.tuple(record, fc.integer({ min: 0, max: 14 }), fc.anything()).map(([r, kind, junk]) => {
  const copy: Record<string, unknown> = { ...r, labels: { ...r.labels }, outputs: { ...r.outputs } };
  const outputs = copy.outputs as Record<string, unknown>;
  const first = Object.keys(outputs)[0] ?? "anomaly_score";
  switch (kind) {
    case 0:
      return junk;
    case 1:
      copy.query_key = kind % 2 === 0 ? "" : junk;
      break;
    case 2:
      (copy.labels as Record<string, unknown>).bad = junk;
      break;
    case 3:
      (copy.labels as Record<string, unknown>)[""] = "x";
      break;
    case 4:
      copy.labels = junk;
      break;
    case 5:
      copy.timestamps = junk;
      break;
    case 6:
      copy.timestamps = [...r.timestamps.slice(1), 1.5];
      break;
    case 7:
      copy.outputs = {};
      break;
    case 8:
      outputs[first] = junk;
      break;
    case 9:
      outputs[""] = r.timestamps.map(() => 1);
      break;
    case 10:
      outputs[first] = [...(r.outputs[first] ?? []), 1];
      break;
    case 11:
      copy.scheduler_alias = junk;
      break;
    case 12:
      copy.model_alias = null;
      copy.preset = null;
      break;
    case 13:
      copy.extra_key = junk;
      break;
    case 14:
      copy.outputs = junk;
      break;
  }
  return copy;
});

describe("encodeIfValid", () => {
  it("answers only for records safeParseRecord accepts, with exactly what encode gives them (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), fc.oneof(record, mutated), (metricFormat, input) => {
        const fast = createRecordEncoder({
          metricFormat,
          onLabelWarning: () => undefined,
          labelLimits: { maxLabels: 6, maxValueBytes: 500 },
        });
        const general = createRecordEncoder({
          metricFormat,
          templatePath: false,
          onLabelWarning: () => undefined,
          labelLimits: { maxLabels: 6, maxValueBytes: 500 },
        });
        const answer = fast.encodeIfValid(input);
        if (answer === undefined) return;
        const parsed = safeParseRecord(input);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        expect(outcome(() => answer)).toEqual(outcome(() => general.encode(parsed.output)));
      }),
      { numRuns: 1000 },
    );
  });

  it("answers for the common record, and not for one with an error", () => {
    const encoder = createRecordEncoder({ metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" } });
    const good = {
      query_key: "q",
      labels: { a: "1" },
      timestamps: [1],
      outputs: { y: [2] },
      model_alias: null,
      unknown: true,
    };
    expect(encoder.encodeIfValid(good)?.text).toBe(
      '{"metric":{"__name__":"y","a":"1","for":"q"},"values":[2],"timestamps":[1]}\n',
    );
    expect(encoder.encodeIfValid({ ...good, outputs: { y: ["bogus"] } })).toBeUndefined();
    expect(encoder.encodeIfValid({ ...good, labels: { a: 1 } })).toBeUndefined();
    expect(encoder.encodeIfValid({ ...good, query_key: "" })).toBeUndefined();
    expect(encoder.encodeIfValid([good])).toBeUndefined();
  });
});
