import { createCaptureLogger } from "@anomaly-writer/common";
import { parseConfig } from "@anomaly-writer/config";
import {
  freePort,
  httpSend,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
  writerYaml,
} from "@anomaly-writer/test-stack";
import { type CreateVmWriterOptions, createVmWriter, type VmWriter } from "@anomaly-writer/writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IngestServer, type IngestServerOptions, startIngestServer } from "./start-ingest-server.ts";

let vm: VictoriaMetricsServer;
const servers: IngestServer[] = [];
const writers: VmWriter[] = [];
beforeAll(async () => {
  vm = await startVictoriaMetrics({ flags: ["-retentionPeriod=1"] });
});
afterAll(async () => {
  for (const server of servers) await server.close({ graceMs: 100 });
  for (const writer of writers) await writer.close();
  await vm?.stop();
});

const now = Math.floor(Date.now() / 60_000) * 60_000;
const record = (queryKey: string, instance: string, extra: Record<string, unknown> = {}) => ({
  query_key: queryKey,
  labels: { instance },
  timestamps: [now],
  outputs: { anomaly_score: [1.5] },
  ...extra,
});

async function start(url = vm.url, writerOptions: CreateVmWriterOptions = {}, serverOptions: IngestServerOptions = {}) {
  const logger = createCaptureLogger();
  const writer = createVmWriter(parseConfig(writerYaml(url)), { logger, ...writerOptions });
  const server = await startIngestServer(writer, { port: 0, logger, accessLog: false, ...serverOptions });
  servers.push(server);
  writers.push(writer);
  const post = async (body: string) => {
    const res = await httpSend(`${server.url}/api/v1/outputs`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      timeoutMs: 60_000,
    });
    return {
      status: res.status,
      json: JSON.parse(res.body) as Record<string, unknown> & {
        errors: { position: string; field: string; reason: string; message: string }[];
      },
    };
  };
  return { server, writer, logger, post };
}

describe("startIngestServer bounds the work and the noise of any request", () => {
  it("refuses a 785 KB record that would expand to gigabytes, alone, and writes the record beside it", async () => {
    const { post } = await start();
    const outputs = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`v${i}`, [1]]));
    const bomb = { query_key: "srv_bomb", labels: { big: "x".repeat(64 * 1024) }, timestamps: [now], outputs };
    const body = `${JSON.stringify(bomb)}\n${JSON.stringify(record("srv_bomb", "good"))}\n`;
    expect(body.length).toBeGreaterThan(700_000);
    const heapBefore = process.memoryUsage().heapUsed;
    const res = await post(body);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([
      {
        position: "line 1",
        field: "outputs",
        reason: "record_too_large",
        message: expect.stringContaining("50000 output variables"),
      },
    ]);
    expect(res.json.written).toEqual({ records: 1, series: 1, datapoints: 1 });
    expect((await vm.exportSeries('{for="srv_bomb"}')).map((s) => s.metric.instance)).toEqual(["good"]);
  });

  it("refuses a request whose records would together expand beyond the bound (413), writing nothing of it", async () => {
    const { post } = await start();
    // 40 records of 16 KB labels x 500 outputs: each within the record bounds, 320 M characters together.
    const outputs = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`v${i}`, [1]]));
    const body = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        ...record("srv_expand", `h${i}`),
        labels: { instance: `h${i}`, big: "y".repeat(16_000) },
        outputs,
      }),
    ).join("\n");
    const res = await post(body);
    expect(res.status).toBe(413);
    expect(String(res.json.error)).toMatch(/expands to about \d+ characters of labels.*the limit is 268435456/);
    expect(await vm.exportSeries('{for="srv_expand"}')).toEqual([]);
  });

  it("names every one of 10,000 refused records in the answer, and logs one summary line", async () => {
    const { post, logger } = await start(vm.url, {}, { maxRecordsPerRequest: 20_000 });
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify(record("srv_noise", `h${i}`, { timestamps: [i % 2 === 0 ? Math.floor(now / 1000) : 0] })),
    );
    lines.push(JSON.stringify(record("srv_noise", "good")));
    const res = await post(lines.join("\n"));
    expect(res.status).toBe(400);
    expect(res.json.invalid).toBe(10_000);
    expect(res.json.errors).toHaveLength(10_000);
    expect(res.json.errors[0]).toEqual({
      position: "line 1",
      field: "timestamps[0]",
      reason: "invalid_timestamp",
      message: expect.stringContaining("looks like seconds"),
    });
    expect(res.json.errors[9_999]).toMatchObject({ position: "line 10000", reason: "invalid_timestamp" });
    expect(logger.lines.length).toBeLessThanOrEqual(3);
    expect(logger.lines.filter((l) => l.includes("refused 10000 of 10001 records"))).toHaveLength(1);
    expect(logger.lines.join("\n")).toContain("and 9995 more");
    expect((await vm.exportSeries('{for="srv_noise"}')).map((s) => s.metric.instance)).toEqual(["good"]);
  });

  it("logs a repeated warning once per interval, then says how many were left out", async () => {
    let clock = 0;
    const { post, logger } = await start(vm.url, { logRateLimit: { intervalMs: 10_000, now: () => clock } });
    const bad = JSON.stringify(record("srv_repeat", "h", { timestamps: [0] }));
    for (let i = 0; i < 5; i++) expect((await post(bad)).status).toBe(400);
    expect(logger.lines.filter((l) => l.includes("refused 1 of 1 records"))).toHaveLength(1);
    clock += 11_000;
    await post(bad);
    const lines = logger.lines.filter((l) => l.includes("refused 1 of 1 records"));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("(4 similar lines suppressed in the last 11s)");
  });

  it("takes JSON lines after a UTF-8 byte-order mark", async () => {
    const { post } = await start();
    const res = await post(
      `\ufeff${JSON.stringify(record("srv_bom", "a"))}\n${JSON.stringify(record("srv_bom", "b"))}\n`,
    );
    expect(res.status).toBe(200);
    expect((await vm.exportSeries('{for="srv_bom"}')).map((s) => [s.metric.instance, s.values, s.timestamps])).toEqual([
      ["a", [1.5], [now]],
      ["b", [1.5], [now]],
    ]);
  });

  it("keeps /metrics bounded when clients send thousands of distinct query keys, aliases and presets", async () => {
    const { server, post } = await start();
    for (let batch = 0; batch < 2; batch++) {
      const body = Array.from({ length: 3000 }, (_, i) =>
        JSON.stringify(record(`srv_card_${batch}_${i}`, "h", { scheduler_alias: `s${batch}_${i}`, preset: `p${i}` })),
      ).join("\n");
      expect((await post(body)).status).toBe(200);
    }
    const metrics = await httpSend(`${server.url}/metrics`);
    const sent = metrics.body.split("\n").filter((l) => l.startsWith("vmanomaly_writer_datapoints_sent_total{"));
    // 100 values per label and 1000 combinations at most (here: 100 whole ones, then
    // `__other__` for query key and scheduler with each of the 100 known presets, and one all-other).
    expect(sent.length).toBeLessThanOrEqual(1001);
    expect(sent.length).toBe(201);
    expect(sent.some((l) => l.includes('query_key="__other__"'))).toBe(true);
    expect(sent.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0)).toBe(6000);
    // About 6 KB per combination (two histograms of 15 buckets): 1.2 MB here, 6 MB at most; 6000 unbounded would be 36 MB.
    expect(metrics.body.length).toBeLessThan(2_000_000);
    expect(await vm.exportSeries('{__name__="anomaly_score",for=~"srv_card_.*"}')).toHaveLength(6000);
  });

  it("without a queue, answers 503 and names a refused connection connection_error", async () => {
    const port = await freePort();
    const { post } = await start(`http://127.0.0.1:${port}`, {});
    const res = await post(JSON.stringify(record("srv_down", "h")));
    expect(res.status).toBe(503);
    expect(res.json.failures).toEqual([expect.objectContaining({ code: "connection_error", datapoints: 1 })]);
    expect(res.json.dropped).toMatchObject({ connection_error: 1, permanent_error: 0 });
  });
});
