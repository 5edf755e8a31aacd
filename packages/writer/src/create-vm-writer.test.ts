import { createCaptureLogger } from "@anomaly-writer/common";
import { parseConfig } from "@anomaly-writer/config";
import {
  BACKFILL_LIMITS,
  freePort,
  makeRecords,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
  writerYaml,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";
import { atPosition, unreadable } from "./positioned-record.ts";
import { formatWriteSummary } from "./write-result.ts";

let vm: VictoriaMetricsServer;
let cluster: NginxServer;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  cluster = await startNginx({ upstream: vm.url, cluster: true });
});
afterAll(async () => {
  await cluster?.stop();
  await vm?.stop();
});

describe("createVmWriter against a real VictoriaMetrics", () => {
  it("batches thousands of one-point records into a few requests and reads them back exactly", async () => {
    const config = parseConfig(writerYaml(vm.url));
    const logger = createCaptureLogger();
    const writer = createVmWriter(config, { logger, maxRequestBytes: 256 * 1024 });
    const records = makeRecords({ queryKey: "wide", count: 3000 });
    const result = await writer.write(records);
    await writer.close();
    expect(result.ok).toBe(true);
    expect(result.records).toEqual({ total: 3000, written: 3000, invalid: 0, empty: 0, failed: 0 });
    expect(result.series).toBe(9000);
    expect(result.datapoints).toBe(9000);
    // ~9000 lines of ~100 bytes in 256 KiB requests: a handful of requests, not one per record.
    expect(result.requests).toBeGreaterThan(1);
    expect(result.requests).toBeLessThan(10);
    const scores = await vm.exportSeries('{__name__="anomaly_score",for="wide"}');
    expect(scores).toHaveLength(3000);
    const host7 = scores.find((s) => s.metric.instance === "host-7");
    expect(host7).toEqual({
      metric: { __name__: "anomaly_score", for: "wide", instance: "host-7", job: "node" },
      values: [0.7],
      timestamps: [1732406400000],
    });
  });

  it("encodes interleaved query keys with multi-byte labels into reused request buffers, byte for byte", async () => {
    const config = parseConfig(writerYaml(vm.url));
    // Small requests, two in flight: batch buffers grow, are sent, come back and are refilled.
    const writer = createVmWriter(config, { maxRequestBytes: 8 * 1024, maxInFlight: 2 });
    const labels = (i: number) => ({
      instance: `hôte-${i}-日本`,
      job: 'naïve "quoted" \\ job',
      emoji: "📈".repeat(i % 4),
    });
    const a = makeRecords({ queryKey: "bufA", count: 400, labels });
    const b = makeRecords({ queryKey: "bufB", count: 400, points: 3, labels });
    const records = a.flatMap((record, i) => [record, b[i]]);
    const result = await writer.write(records);
    await writer.close();
    expect(result.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(20);
    expect(result.datapoints).toBe(400 * 3 + 400 * 9);
    for (const [queryKey, points] of [
      ["bufA", 1],
      ["bufB", 3],
    ] as const) {
      const back = await vm.exportSeries(`{for="${queryKey}",__name__="yhat"}`);
      expect(back).toHaveLength(400);
      for (const s of back) {
        const i = Number(/^hôte-(\d+)-日本$/.exec(s.metric.instance ?? "")?.[1]);
        expect(s.metric).toEqual({
          __name__: "yhat",
          for: queryKey,
          ...Object.fromEntries(Object.entries(labels(i)).filter(([, v]) => v !== "")),
        });
        expect(s.values).toEqual(Array.from({ length: points }, (_, j) => i * 100 + j + 0.5));
      }
    }
  });

  it("reports a record whose label set cannot fit in one line, and writes the records around it", async () => {
    const config = parseConfig(writerYaml(vm.url));
    const logger = createCaptureLogger();
    // 12 KB: within VictoriaMetrics' label value limit (16 KiB), beyond what one 8 KiB request holds.
    const writer = createVmWriter(config, { logger, maxRequestBytes: 8 * 1024 });
    const [before, huge, after] = makeRecords({
      queryKey: "hugelabel",
      count: 3,
      labels: (i) => ({ instance: i === 1 ? "x".repeat(12_000) : `h${i}` }),
    });
    const result = await writer.write([before, huge, after]);
    await writer.close();
    expect(result.records).toEqual({ total: 3, written: 2, invalid: 1, empty: 0, failed: 0 });
    expect(result.recordProblems).toEqual([
      expect.objectContaining({
        position: "record 2",
        message: expect.stringContaining("labels: the label set takes"),
      }),
    ]);
    expect(result.dropped.invalid_record).toBe(3);
    const back = await vm.exportSeries('{for="hugelabel",__name__="y"}');
    expect(back.map((s) => s.metric.instance).sort()).toEqual(["h0", "h2"]);
  });

  it("splits a record larger than one request and counts every part", async () => {
    const config = parseConfig(writerYaml(vm.url));
    const writer = createVmWriter(config, { maxRequestBytes: 16 * 1024 });
    const [record] = makeRecords({ queryKey: "long", count: 1, points: 2500 });
    const result = await writer.write([record]);
    await writer.close();
    expect(result.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(3);
    expect(result.datapoints).toBe(7500);
    expect(result.series).toBeGreaterThanOrEqual(3);
    const back = await vm.exportSeries('{for="long"}');
    expect(back.map((s) => s.metric.__name__).sort()).toEqual(["anomaly_score", "y", "yhat"]);
    for (const s of back) expect(s.values).toHaveLength(2500);
  });

  it("reports bad records by position and still writes the good ones next to them", async () => {
    const config = parseConfig(writerYaml(vm.url));
    const logger = createCaptureLogger();
    const writer = createVmWriter(config, { logger });
    const [good1, good2] = makeRecords({ queryKey: "mixed", count: 2 });
    const result = await writer.write([
      atPosition(good1, "line 1"),
      unreadable("line 2", "not valid JSON: Unexpected token"),
      atPosition({ ...good2, labels: { instance: 5 } }, "line 3"),
      atPosition({ ...good2, timestamps: [1.5] }, "line 4"),
      atPosition(good2, "line 5"),
    ]);
    await writer.close();
    expect(result.ok).toBe(false);
    expect(result.records).toMatchObject({ total: 5, written: 2, invalid: 3 });
    expect(result.recordProblems.map((p) => p.position)).toEqual(["line 2", "line 3", "line 4"]);
    expect(result.recordProblems[1]?.message).toContain("labels.instance");
    expect(result.recordProblems[2]?.message).toContain("timestamps");
    expect(logger.lines.some((l) => l.startsWith("warn ") && l.includes("line 3"))).toBe(true);
    expect(await vm.exportSeries('{__name__="y",for="mixed"}')).toHaveLength(2);
  });

  it("drops non-finite points, counts them, and sends nothing for an all-NaN record", async () => {
    const config = parseConfig(writerYaml(vm.url));
    const logger = createCaptureLogger();
    const writer = createVmWriter(config, { logger });
    const base = { query_key: "nan", labels: { instance: "a" }, timestamps: [1732406400000, 1732406460000] };
    const result = await writer.write([
      { ...base, outputs: { anomaly_score: [null, 1], y: ["NaN", "Inf"] } },
      { ...base, labels: { instance: "b" }, outputs: { anomaly_score: [null, "-Inf"] } },
    ]);
    await writer.close();
    expect(result.dropped).toMatchObject({ nan: 3, inf: 2 });
    expect(result.records).toMatchObject({ written: 1, empty: 1 });
    expect(result.datapoints).toBe(1);
    expect(logger.lines.some((l) => l.includes("no valid datapoints") && l.includes("nan"))).toBe(true);
    const back = await vm.exportSeries('{for="nan"}');
    expect(back).toEqual([
      { metric: { __name__: "anomaly_score", for: "nan", instance: "a" }, values: [1], timestamps: [1732406460000] },
    ]);
  });

  it("writes to tenant 2:3 through the emulated cluster with custom metric_format labels", async () => {
    const config = parseConfig(
      writerYaml(
        cluster.url,
        BACKFILL_LIMITS +
          '  tenant_id: "2:3"\n  metric_format:\n    __name__: "vmanomaly_$VAR"\n    for: "$QUERY_KEY"\n    run: "writer-test"\n',
      ),
    );
    const writer = createVmWriter(config);
    expect(writer.importUrl).toBe(`${cluster.url}/insert/2:3/prometheus/api/v1/import`);
    const result = await writer.write(
      makeRecords({ queryKey: "tenant23", count: 2, extra: { model_alias: "m1", scheduler_alias: "s1", preset: "p" } }),
    );
    await writer.close();
    expect(result.ok).toBe(true);
    const back = await vm.exportSeries('{__name__="vmanomaly_y",for="tenant23"}');
    expect(back.map((s) => s.metric)).toEqual(
      [0, 1].map((i) => ({
        __name__: "vmanomaly_y",
        for: "tenant23",
        run: "writer-test",
        instance: `host-${i}`,
        job: "node",
        model_alias: "m1",
        scheduler_alias: "s1",
        preset: "p",
        vm_account_id: "2",
        vm_project_id: "3",
      })),
    );
  });

  it("reports a permanent failure with its code and counts the lost points", async () => {
    // A cluster vminsert without a tenant path answers 400: nothing is retried, all is reported.
    const config = parseConfig(writerYaml(cluster.url, BACKFILL_LIMITS));
    const logger = createCaptureLogger();
    const writer = createVmWriter(config, { logger });
    const result = await writer.write(makeRecords({ queryKey: "refused", count: 3 }));
    await writer.close();
    expect(result.ok).toBe(false);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      queryKey: "refused",
      code: "400",
      status: 400,
      datapoints: 9,
      records: 3,
    });
    expect(result.dropped.permanent_error).toBe(9);
    expect(result.records).toMatchObject({ written: 0, failed: 3 });
    expect(logger.lines.some((l) => l.startsWith("error ") && l.includes("code 400"))).toBe(true);
    const metrics = await writer.metrics.registry.getSingleMetricAsString("vmanomaly_writer_responses_total");
    expect(metrics).toMatch(/code="400"[^\n]*\} 1/);
  });

  it("summarises a refused connection as connection_error, not permanent_error (no queue)", async () => {
    const port = await freePort();
    const logger = createCaptureLogger();
    const writer = createVmWriter(parseConfig(writerYaml(`http://127.0.0.1:${port}`, BACKFILL_LIMITS)), { logger });
    const result = await writer.write(makeRecords({ queryKey: "no_listener", count: 2 }));
    await writer.close();
    expect(result.failures).toEqual([expect.objectContaining({ code: "connection_error", datapoints: 6, records: 2 })]);
    expect(result.dropped).toMatchObject({ connection_error: 6, permanent_error: 0 });
    expect(formatWriteSummary(result)).toContain("dropped datapoints: connection_error 6");
    const metrics = await writer.metrics.registry.getSingleMetricAsString("anomaly_writer_dropped_datapoints_total");
    expect(metrics).toMatch(/query_key="no_listener"[^\n]*reason="connection_error"\} 6/);
    expect(metrics).not.toContain(`reason="permanent_error"`);
  });

  it("class noop sends nothing and reports what it would have written", async () => {
    const config = parseConfig(`writer:\n  class: noop\n${BACKFILL_LIMITS}`);
    const writer = createVmWriter(config);
    const result = await writer.write(makeRecords({ queryKey: "noop_only", count: 4 }));
    await writer.close();
    expect(result).toMatchObject({ ok: true, noop: true, series: 12, datapoints: 12 });
    expect(await vm.exportSeries('{for="noop_only"}')).toEqual([]);
  });

  it("records success metrics with the vmanomaly labels", async () => {
    const config = parseConfig(writerYaml(vm.url));
    const writer = createVmWriter(config);
    await writer.write(makeRecords({ queryKey: "metrics_q", count: 5, extra: { scheduler_alias: "s9", preset: "" } }));
    await writer.close();
    const text = await writer.metrics.registry.metrics();
    const line = text
      .split("\n")
      .find((l) => l.startsWith("vmanomaly_writer_datapoints_sent_total{") && l.includes('query_key="metrics_q"'));
    expect(line).toBeDefined();
    expect(line).toContain('scheduler_alias="s9"');
    expect(line).toContain(`url="${vm.url}/api/v1/import"`);
    expect(line?.endsWith(" 15")).toBe(true);
  });
});
