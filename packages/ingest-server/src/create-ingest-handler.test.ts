import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { parseConfig } from "@anomaly-writer/config";
import {
  httpSend,
  makeRecords,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
  writerYaml,
} from "@anomaly-writer/test-stack";
import { createVmWriter, type VmWriter } from "@anomaly-writer/writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestHandler } from "./create-ingest-handler.ts";

let vm: VictoriaMetricsServer;
let writer: VmWriter;
let server: Server;
let url: string;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  writer = createVmWriter(parseConfig(writerYaml(vm.url)));
  server = createServer(createIngestHandler(writer, { maxBodyBytes: 64 * 1024 }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await writer?.close();
  await vm?.stop();
});

describe("createIngestHandler", () => {
  it("takes JSON lines, answers 400 with per-record errors, and still writes the good records", async () => {
    const [a, b] = makeRecords({ queryKey: "ingest_mixed", count: 2 });
    const body = `${JSON.stringify(a)}\n{"broken":\n${JSON.stringify({ ...b, outputs: { y: [1, 2] } })}\n${JSON.stringify(b)}\n`;
    const res = await httpSend(`${url}/api/v1/outputs`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(res.status).toBe(400);
    const json = JSON.parse(res.body);
    expect(json.written).toEqual({ records: 2, series: 6, datapoints: 6 });
    expect(json.invalid).toBe(2);
    expect(json.errors.map((e: { position: string }) => e.position)).toEqual(["line 2", "line 3"]);
    expect(await vm.exportSeries('{__name__="y",for="ingest_mixed"}')).toHaveLength(2);
  });

  it("takes a JSON array and a gzip body; answers 200 with counts", async () => {
    const records = makeRecords({ queryKey: "ingest_gzip", count: 3 });
    const res = await httpSend(`${url}/api/v1/outputs`, {
      method: "POST",
      body: gzipSync(JSON.stringify(records)),
      headers: { "content-encoding": "gzip", "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).written).toEqual({ records: 3, series: 9, datapoints: 9 });
    expect(await vm.exportSeries('{for="ingest_gzip"}')).toHaveLength(9);
  });

  it("refuses a body over the limit with 413 and keeps serving", async () => {
    const res = await httpSend(`${url}/api/v1/outputs`, { method: "POST", body: "x".repeat(100 * 1024) });
    expect(res.status).toBe(413);
    expect((await httpSend(`${url}/health`)).status).toBe(200);
  });

  it("serves the writer metrics and answers unknown routes and methods clearly", async () => {
    const metrics = await httpSend(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("vmanomaly_writer_datapoints_sent_total{");
    expect(metrics.body).toContain('query_key="ingest_gzip"');
    expect((await httpSend(`${url}/nope`)).status).toBe(404);
    expect((await httpSend(`${url}/api/v1/outputs`)).status).toBe(405);
    expect((await httpSend(`${url}/api/v1/outputs`, { method: "POST", body: "" })).status).toBe(400);
  });
});
