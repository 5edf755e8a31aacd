import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@anomaly-writer/config";
import {
  BACKFILL_LIMITS,
  makeRecords,
  startNginx,
  startPrometheus,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";

let vm: VictoriaMetricsServer;
let dir: string;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  dir = await mkdtemp(join(tmpdir(), "aw-targets-"));
});
afterAll(async () => {
  await vm?.stop();
  await rm(dir, { recursive: true, force: true });
});

const rwYaml = (url: string, extra = "") =>
  `writer:\n  class: remote_write\n  datasource_url: ${url}\n${BACKFILL_LIMITS}  metric_format:\n    __name__: "rw_$VAR"\n    for: "$QUERY_KEY"\n${extra}`;

describe("class remote_write", () => {
  it("writes exact labels and values into VictoriaMetrics /api/v1/write", async () => {
    const writer = createVmWriter(parseConfig(rwYaml(vm.url)));
    expect(writer.importUrl).toBe(`${vm.url}/api/v1/write`);
    const records = makeRecords({ queryKey: "rw_vm", count: 3, points: 4, extra: { model_alias: "m" } });
    const result = await writer.write([
      ...records,
      { ...records[0], labels: { instance: "nan" }, outputs: { y: [null, "NaN", 1, "Inf"] } },
    ]);
    await writer.close();
    expect(result).toMatchObject({ ok: true, series: 10, datapoints: 37, dropped: { nan: 2, inf: 1 } });
    const back = await vm.exportSeries('{__name__="rw_y",for="rw_vm"}');
    expect(back.find((s) => s.metric.instance === "host-1")).toEqual({
      metric: { __name__: "rw_y", for: "rw_vm", instance: "host-1", job: "node", model_alias: "m" },
      values: [100, 101, 102, 103],
      timestamps: [0, 1, 2, 3].map((j) => 1_732_406_400_000 + j * 60_000),
    });
    expect(back.find((s) => s.metric.instance === "nan")?.values).toEqual([1]);
  });

  it("writes to a tenant through the cluster path", async () => {
    const cluster = await startNginx({ upstream: vm.url, cluster: true });
    try {
      const writer = createVmWriter(parseConfig(rwYaml(cluster.url, '  tenant_id: "4:5"\n')));
      expect(writer.importUrl).toBe(`${cluster.url}/insert/4:5/prometheus/api/v1/write`);
      expect((await writer.write(makeRecords({ queryKey: "rw_tenant", count: 2 }))).ok).toBe(true);
      await writer.close();
      const back = await vm.exportSeries('{__name__="rw_anomaly_score",for="rw_tenant"}');
      expect(back.map((s) => [s.metric.instance, s.metric.vm_account_id, s.metric.vm_project_id])).toEqual([
        ["host-0", "4", "5"],
        ["host-1", "4", "5"],
      ]);
    } finally {
      await cluster.stop();
    }
  });

  it("writes into a real Prometheus with its remote-write receiver", async () => {
    const prometheus = await startPrometheus();
    try {
      const start = Date.now() - 120_000;
      const writer = createVmWriter(parseConfig(rwYaml(prometheus.url)));
      const result = await writer.write(makeRecords({ queryKey: "rw_prom", count: 2, points: 3, start }));
      await writer.close();
      expect(result.ok).toBe(true);
      const samples = await prometheus.query('rw_yhat{for="rw_prom"}', start + 2 * 60_000);
      // At start + 2 min the newest sample of each series is point j = 2: yhat = i * 100 + 2.5.
      expect(samples.map((x) => [x.metric, x.samples.map((p) => p.value)])).toEqual([
        [{ __name__: "rw_yhat", for: "rw_prom", instance: "host-0", job: "node" }, [2.5]],
        [{ __name__: "rw_yhat", for: "rw_prom", instance: "host-1", job: "node" }, [102.5]],
      ]);
    } finally {
      await prometheus.stop();
    }
  });

  it("gets the durable queue's guarantee: acknowledged while the receiver is down, delivered after", async () => {
    // This test stops and restarts VictoriaMetrics: it has its own.
    const vm = await startVictoriaMetrics();
    try {
      const writer = createVmWriter(
        parseConfig(rwYaml(vm.url, `  timeout: 500ms\n  queue:\n    path: ${join(dir, "rw-queue")}\n`)),
      );
      await writer.ready();
      await vm.stop({ keepData: true });
      const result = await writer.write(makeRecords({ queryKey: "rw_queued", count: 20, points: 3 }), { atomic: true });
      expect(result).toMatchObject({ ok: true, queued: true, datapoints: 180 });
      await vm.restart();
      const deadline = Date.now() + 30_000;
      while (writer.queueStats().pendingEntries > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      await writer.close();
      const back = await vm.exportSeries('{for="rw_queued"}');
      expect(back).toHaveLength(60);
      // At least once: a replay after the restart may store a point twice (same timestamp and value).
      expect(back.every((s) => new Set(s.timestamps).size === 3)).toBe(true);
    } finally {
      await vm.stop();
    }
  });

  it("reports a refusal like the vm class: code and lost points", async () => {
    const cluster = await startNginx({ upstream: vm.url, cluster: true });
    try {
      const writer = createVmWriter(parseConfig(rwYaml(cluster.url)));
      const result = await writer.write(makeRecords({ queryKey: "rw_refused", count: 2 }));
      await writer.close();
      expect(result.failures[0]).toMatchObject({ code: "400", datapoints: 6 });
      expect(result.dropped.permanent_error).toBe(6);
    } finally {
      await cluster.stop();
    }
  });
});

describe("class file", () => {
  it("writes rotating JSON-line files that curl imports into VictoriaMetrics", async () => {
    const path = join(dir, "out", "anomalies.jsonl");
    const writer = createVmWriter(
      parseConfig(
        `writer:\n  class: file\n${BACKFILL_LIMITS}  file:\n    path: ${path}\n    max_size: 64KiB\n    max_files: 20\n`,
      ),
      { maxRequestBytes: 16 * 1024 },
    );
    const result = await writer.write(makeRecords({ queryKey: "to_file", count: 400 }));
    await writer.close();
    expect(result).toMatchObject({ ok: true, series: 1200, datapoints: 1200 });
    const files = readdirSync(join(dir, "out"));
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      execFileSync("curl", ["-sf", "--data-binary", `@${join(dir, "out", file)}`, `${vm.url}/api/v1/import`]);
    }
    expect(await vm.exportSeries('{for="to_file"}')).toHaveLength(1200);
    expect(existsSync(path)).toBe(true);
  });
});
