import { describe, expect, it } from "vitest";
import { createMetricLabelGuard, OVERFLOW_LABEL_VALUE } from "./create-metric-label-guard.ts";
import { createWriterMetrics } from "./create-writer-metrics.ts";
import { parseExposition } from "./testing/parse-exposition.ts";

const labels = (query_key: string, scheduler_alias = "", preset = "") => ({ query_key, scheduler_alias, preset });

describe("createMetricLabelGuard", () => {
  it("keeps known query keys, then a bounded number of other values per label, then __other__", () => {
    const guard = createMetricLabelGuard({ knownQueryKeys: ["cpu", "mem"], maxValuesPerLabel: 2 });
    const out = ["a", "cpu", "b", "c", "mem", "a", "d"].map((q) => guard(labels(q)).query_key);
    expect(out).toEqual(["a", "cpu", "b", OVERFLOW_LABEL_VALUE, "mem", "a", OVERFLOW_LABEL_VALUE]);
    expect(guard(labels("", "s1", "p1"))).toEqual(labels("", "s1", "p1"));
    expect(guard(labels("cpu", "s2", "p2"))).toEqual(labels("cpu", "s2", "p2"));
    expect(guard(labels("cpu", "s3", "p3"))).toEqual(labels("cpu", OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE));
  });

  it("turns long values into __other__ and bounds the combinations", () => {
    const guard = createMetricLabelGuard({ maxCombinations: 3 });
    expect(guard(labels("x".repeat(129))).query_key).toBe(OVERFLOW_LABEL_VALUE);
    expect(guard(labels("q1")).query_key).toBe("q1");
    expect(guard(labels("q2")).query_key).toBe("q2");
    expect(guard(labels("q3"))).toEqual(labels(OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE));
    expect(guard(labels("q1")).query_key).toBe("q1");
  });

  it("keeps /metrics small when clients send 30,000 distinct query keys, aliases and presets", async () => {
    const metrics = createWriterMetrics({ labelBounds: { knownQueryKeys: ["known"] } });
    for (let i = 0; i < 30_000; i++) {
      const l = {
        url: "http://vm:8428/api/v1/import",
        query_key: `q${i}-${"x".repeat(i % 200)}`,
        scheduler_alias: `s${i}`,
        preset: `p${i}`,
      };
      metrics.recordDropped("invalid_record", 1, l);
      metrics.observeSerialize(l, 0.001);
    }
    metrics.recordDropped("nan", 5, {
      url: "http://vm:8428/api/v1/import",
      query_key: "known",
      scheduler_alias: "",
      preset: "",
    });
    const text = await metrics.registry.metrics();
    const exposition = parseExposition(text);
    const dropped = exposition.find("anomaly_writer_dropped_datapoints_total", { reason: "invalid_record" });
    // 100 distinct values per label at most (the first 100 combinations), and one overflow series holding the rest.
    expect(dropped.length).toBeLessThanOrEqual(101);
    expect(dropped.reduce((sum, s) => sum + s.value, 0)).toBe(30_000);
    expect(
      exposition.value("anomaly_writer_dropped_datapoints_total", {
        url: "http://vm:8428/api/v1/import",
        query_key: "known",
        scheduler_alias: "",
        preset: "",
        reason: "nan",
      }),
    ).toBe(5);
    expect(exposition.find("anomaly_writer_dropped_datapoints_total", { query_key: OVERFLOW_LABEL_VALUE }).length).toBe(
      1,
    );
    expect(text.length).toBeLessThan(1_000_000);
  });
});
