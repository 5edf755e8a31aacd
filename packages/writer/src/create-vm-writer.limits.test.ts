import { createCaptureLogger } from "@anomaly-writer/common";
import { parseConfig } from "@anomaly-writer/config";
import { freePort, startVictoriaMetrics, type VictoriaMetricsServer, writerYaml } from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";
import { atPosition } from "./positioned-record.ts";

const DAY = 86_400_000;
/** VictoriaMetrics' counters of what it drops or cuts while answering 204. */
const DROP_COUNTERS = [
  "vm_rows_ignored_total",
  "vm_too_long_label_values_total",
  "vm_too_long_label_names_total",
  "vm_metrics_with_dropped_labels_total",
];

async function dropCounters(vm: VictoriaMetricsServer): Promise<Record<string, number>> {
  const text = (await vm.request("/metrics")).body;
  const sums: Record<string, number> = {};
  for (const name of DROP_COUNTERS) {
    sums[name] = text
      .split("\n")
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
  }
  return sums;
}

let vm: VictoriaMetricsServer;
// VictoriaMetrics 1.79 with its default limits: 1 month retention, 30 labels, 16 KiB values.
beforeAll(async () => {
  vm = await startVictoriaMetrics({ flags: ["-retentionPeriod=1"] });
});
afterAll(async () => {
  await vm?.stop();
});

const now = Math.floor(Date.now() / 60_000) * 60_000;
const point = (queryKey: string, labels: Record<string, string>, timestamps: number[]) => ({
  query_key: queryKey,
  labels,
  timestamps,
  outputs: { y: timestamps.map((_, i) => i + 1) },
});
const labelsOf = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`l${String(i).padStart(2, "0")}`, "v"]));

/** Records VictoriaMetrics keeps as sent, then records it would drop or cut (and the field and reason we expect). */
const KEPT = [
  point("lim_edges", { case: "window" }, [now - 30 * DAY, now - 3_600_000, now + 3_600_000]),
  point("lim_edges", { case: "value16k", v: "é".repeat(8192) }, [now]),
  point("lim_edges", { case: "name256", ["n".repeat(256)]: "v" }, [now]),
  point("lim_edges", { ...labelsOf(27), case: "labels30" }, [now]),
];
const REFUSED: [unknown, string, string, RegExp][] = [
  [
    point("lim_refused", { case: "old" }, [now - 32 * DAY]),
    "timestamps[0]",
    "invalid_timestamp",
    /older than the retention of 31d/,
  ],
  [
    point("lim_refused", { case: "future" }, [now + 3 * DAY]),
    "timestamps[0]",
    "invalid_timestamp",
    /more than 2d ahead/,
  ],
  [
    point("lim_refused", { case: "seconds" }, [Math.floor(now / 1000)]),
    "timestamps[0]",
    "invalid_timestamp",
    /looks like seconds/,
  ],
  [
    point("lim_refused", { case: "micro" }, [now * 1000]),
    "timestamps[0]",
    "invalid_timestamp",
    /looks like microseconds/,
  ],
  [point("lim_refused", { case: "zero" }, [0]), "timestamps[0]", "invalid_timestamp", /timestamp 0 is not a time/],
  [
    point("lim_refused", { case: "value", v: "x".repeat(16_385) }, [now]),
    "labels.v",
    "label_limit",
    /16385 bytes, more than 16384/,
  ],
  [
    point("lim_refused", { case: "name", ["k".repeat(257)]: "v" }, [now]),
    `labels["${"k".repeat(64)}…"]`,
    "label_limit",
    /257 bytes, more than 256/,
  ],
  [
    point("lim_refused", { ...labelsOf(28), case: "labels31" }, [now]),
    "labels",
    "label_limit",
    /31 labels.*more than 30/,
  ],
];

describe("createVmWriter refuses what VictoriaMetrics would not keep as sent", () => {
  it("names each refused record by position, field and reason, counts it, and writes the others exactly; VictoriaMetrics drops nothing of it, and drops all of the refused ones when they are sent anyway", async () => {
    const logger = createCaptureLogger();
    const writer = createVmWriter(parseConfig(writerYaml(vm.url)), { logger });
    const before = await dropCounters(vm);
    const input = [...KEPT.slice(0, 2), ...REFUSED.map(([record]) => record), ...KEPT.slice(2)].map((record, i) =>
      atPosition(record, `line ${i + 1}`),
    );
    const result = await writer.write(input);
    await writer.close();
    expect(writer.describeLimits()).toContain("now - 31d (VictoriaMetrics -retentionPeriod)");
    expect(writer.describeLimits()).toContain("at most 30 labels per series (VictoriaMetrics' default)");

    expect(result.records).toEqual({ total: 12, written: 4, invalid: 8, empty: 0, failed: 0 });
    expect(result.recordProblems.map((p) => [p.position, p.field, p.reason])).toEqual(
      REFUSED.map(([, field, reason], i) => [`line ${i + 3}`, field, reason]),
    );
    for (const [i, [, , , message]] of REFUSED.entries()) expect(result.recordProblems[i]?.message).toMatch(message);
    expect(result.dropped).toMatchObject({ invalid_timestamp: 5, label_limit: 3 });
    const metrics = await writer.metrics.registry.getSingleMetricAsString("anomaly_writer_dropped_datapoints_total");
    expect(metrics).toMatch(/query_key="lim_refused"[^\n]*reason="invalid_timestamp"\} 5/);
    expect(metrics).toMatch(/query_key="lim_refused"[^\n]*reason="label_limit"\} 3/);
    // One summary line for the write, not one per record.
    expect(logger.lines.filter((l) => l.includes("refused 8 of 12 records"))).toHaveLength(1);
    expect(logger.lines.filter((l) => l.includes("line 3"))).toHaveLength(1);

    // Everything answered as written is in VictoriaMetrics exactly as sent.
    const back = await vm.exportSeries('{for="lim_edges"}');
    expect(back.map((s) => [s.metric.case, Object.keys(s.metric).length, s.timestamps])).toEqual([
      ["labels30", 30, [now]],
      ["name256", 4, [now]],
      ["value16k", 4, [now]],
      ["window", 3, [now - 30 * DAY, now - 3_600_000, now + 3_600_000]],
    ]);
    expect(back.find((s) => s.metric.case === "value16k")?.metric.v).toBe("é".repeat(8192));
    expect(back.find((s) => s.metric.case === "name256")?.metric["n".repeat(256)]).toBe("v");
    expect(await vm.exportSeries('{for="lim_refused"}')).toEqual([]);

    // The control: the refused records sent anyway are answered 204 and dropped or cut. Once
    // VictoriaMetrics' counters show them (its /metrics lags), they show nothing else: the
    // writer's own lines were all kept as sent.
    const lines = REFUSED.map(([record]) => {
      const r = record as ReturnType<typeof point>;
      return `${JSON.stringify({ metric: { __name__: "y", for: "lim_control", ...r.labels }, values: r.outputs.y, timestamps: r.timestamps })}\n`;
    });
    await vm.importLines(lines.join(""));
    const expected = {
      vm_rows_ignored_total: 5,
      vm_too_long_label_values_total: 1,
      vm_too_long_label_names_total: 1,
      vm_metrics_with_dropped_labels_total: 1,
    };
    const delta = async () => {
      const after = await dropCounters(vm);
      return Object.fromEntries(DROP_COUNTERS.map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
    };
    const deadline = Date.now() + 20_000;
    for (;;) {
      const d = await delta();
      if (Object.entries(expected).every(([name, n]) => (d[name] ?? 0) >= n) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await delta()).toEqual(expected);
    const control = await vm.exportSeries('{for="lim_control"}');
    // Kept, but not as sent: the value cut to 16384 bytes, the 31st label gone.
    expect(control.find((s) => s.metric.case === "value")?.metric.v).toHaveLength(16_384);
    expect(control.find((s) => Object.keys(s.metric).length === 30 && s.metric.case === undefined)).toBeDefined();
  });

  it("refuses a 785 KB record that would expand to gigabytes (64 KiB label x 50,000 outputs) without expanding it, and writes its neighbours", async () => {
    const outputs = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`v${i}`, [1]]));
    const bomb = { query_key: "lim_bomb", labels: { big: "x".repeat(64 * 1024) }, timestamps: [now], outputs };
    expect(JSON.stringify(bomb).length).toBeGreaterThan(700_000);
    // Within the series bound and the per-series label bound (30,000 bytes of values), beyond the
    // record's label-bytes bound: 2 x 15,000-byte labels x 600 series = 18 MB > 16 MiB.
    const wide = {
      query_key: "lim_bomb",
      labels: { a: "a".repeat(15_000), b: "b".repeat(15_000) },
      timestamps: [now],
      outputs: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`w${i}`, [1]])),
    };
    const writer = createVmWriter(parseConfig(writerYaml(vm.url)));
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await writer.write([
      point("lim_bomb", { case: "before" }, [now]),
      bomb,
      wide,
      point("lim_bomb", { case: "after" }, [now]),
    ]);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    await writer.close();
    expect(result.recordProblems.map((p) => [p.position, p.field, p.reason])).toEqual([
      ["record 2", "outputs", "record_too_large"],
      ["record 3", "", "record_too_large"],
    ]);
    expect(result.recordProblems[0]?.message).toContain("50000 output variables");
    expect(result.dropped.record_too_large).toBe(50_600);
    // Expanded, the first alone would be 3.2 GB of label text.
    expect(heapGrowth).toBeLessThan(200 * 1024 * 1024);
    expect((await vm.exportSeries('{for="lim_bomb"}')).map((s) => s.metric.case)).toEqual(["after", "before"]);
  });

  it("takes the label limit a VictoriaMetrics reports on /flags (-maxLabelsPerTimeseries=40)", async () => {
    const wide = await startVictoriaMetrics({ flags: ["-maxLabelsPerTimeseries=40"] });
    try {
      const writer = createVmWriter(parseConfig(writerYaml(wide.url)));
      const result = await writer.write([
        point("lim_wide", { ...labelsOf(36), case: "labels39" }, [now]),
        point("lim_wide", { ...labelsOf(38), case: "labels41" }, [now]),
      ]);
      await writer.close();
      expect(result.recordProblems.map((p) => [p.position, p.reason])).toEqual([["record 2", "label_limit"]]);
      const back = await wide.exportSeries('{for="lim_wide"}');
      expect(back.map((s) => Object.keys(s.metric).length)).toEqual([39]);
    } finally {
      await wide.stop();
    }
  });

  it("a configured writer.limits wins over the server's, and a VictoriaMetrics down at start is read again by probe()", async () => {
    const port = await freePort();
    const logger = createCaptureLogger();
    const writer = createVmWriter(
      parseConfig(writerYaml(`http://127.0.0.1:${port}`, "  timeout: 1s\n  limits:\n    max_labels_per_series: 5\n")),
      { logger },
    );
    const old = point("lim_late", { case: "backfill" }, [now - 60 * DAY]);
    const first = await writer.write([old]);
    expect(first.recordProblems[0]).toMatchObject({
      reason: "invalid_timestamp",
      message: expect.stringContaining("older than the retention of 31d"),
    });
    expect(logger.lines.filter((l) => l.includes("cannot read the limits of VictoriaMetrics"))).toHaveLength(1);
    const late = await startVictoriaMetrics({ port });
    try {
      await writer.probe();
      expect(writer.describeLimits()).toContain("now - 100y (VictoriaMetrics -retentionPeriod)");
      expect(writer.describeLimits()).toContain("at most 5 labels per series (writer.limits.max_labels_per_series)");
      const second = await writer.write([old, point("lim_late", labelsOf(4), [now])]);
      expect(second.records).toMatchObject({ written: 1, invalid: 1 });
      expect(second.recordProblems[0]).toMatchObject({ position: "record 2", reason: "label_limit" });
      expect((await late.exportSeries('{for="lim_late"}')).map((s) => s.timestamps)).toEqual([[now - 60 * DAY]]);
    } finally {
      await writer.close();
      await late.stop();
    }
  });
});
