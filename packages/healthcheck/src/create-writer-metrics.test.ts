import type { NginxServer, VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { httpSend, startNginx, startVictoriaMetrics } from "@anomaly-writer/test-stack";
import { type AttemptInfo, createTransport, type Transport, TransportError } from "@anomaly-writer/transport";
import { Gauge, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWriterMetrics, type WriterMetricLabels } from "./create-writer-metrics.ts";
import { HealthcheckError } from "./errors.ts";
import { startMetricsServer } from "./start-metrics-server.ts";
import { type Exposition, parseExposition } from "./testing/parse-exposition.ts";
import { type SilentServer, startSilentServer } from "./testing/start-silent-server.ts";

const context = (queryKey: string) => ({ query_key: queryKey, scheduler_alias: "s1", preset: "p1" });
const labels = (url: string, queryKey: string): WriterMetricLabels & Record<string, string> => ({
  url,
  ...context(queryKey),
});

describe("writer metrics against a real VictoriaMetrics", () => {
  let vm: VictoriaMetricsServer;
  let cluster: NginxServer;
  let silent: SilentServer;
  let transport: Transport;
  const attempts: AttemptInfo[] = [];
  const metrics = createWriterMetrics({ version: "1.2.3", startTime: 1_732_406_400_000 });
  const body =
    `${JSON.stringify({ metric: { __name__: "hc_metrics_probe", series: "a" }, values: [1, 2], timestamps: [1732406400000, 1732406460000] })}\n` +
    `${JSON.stringify({ metric: { __name__: "hc_metrics_probe", series: "b" }, values: [3], timestamps: [1732406400000] })}\n`;
  let exposition: Exposition;
  let contentType: string | string[] | undefined;
  let vmImport: string;
  let clusterImport: string;
  let silentImport: string;

  beforeAll(async () => {
    [vm, silent] = await Promise.all([startVictoriaMetrics(), startSilentServer()]);
    cluster = await startNginx({ upstream: vm.url, cluster: true });
    vmImport = `${vm.url}/api/v1/import`;
    clusterImport = `${cluster.url}/api/v1/import`;
    silentImport = `${silent.url}/api/v1/import`;
    transport = createTransport({
      timeoutMs: 300,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 },
      hooks: {
        onAttempt: (info) => {
          attempts.push(info);
          metrics.onAttempt(info);
        },
      },
    });

    // A success, as the writer does it: serialize, send, then count what was sent.
    metrics.observeSerialize(labels(vmImport, "q1"), 0.002);
    const ok = await transport.post(vmImport, body, { context: context("q1") });
    expect(ok.status).toBe(204);
    metrics.recordSuccess(labels(vmImport, "q1"), { bytes: ok.bytesSent, datapoints: 3, timeseries: 2 });

    // A permanent 400: a cluster vminsert (nginx emulation) does not serve /api/v1/import. Not retried.
    const rejected = await transport
      .post(clusterImport, body, { context: context("q2"), retry: { attempts: 3 } })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(TransportError);
    expect((rejected as TransportError).status).toBe(400);
    metrics.recordDropped("permanent_error", 3, labels(clusterImport, "q2"));

    // A server that never answers: two attempts, both time out.
    const timedOut = await transport
      .post(silentImport, body, { context: context("q3"), retry: { attempts: 2 } })
      .catch((e: unknown) => e);
    expect((timedOut as TransportError).code).toBe("TRANSPORT_TIMEOUT");

    metrics.recordDropped("nan", 2, { query_key: "q1" });
    metrics.setQueuePending(1024, 3);

    const server = await startMetricsServer({ registry: metrics.registry, host: "127.0.0.1", port: 0 });
    try {
      const scraped = await httpSend(`${server.url}/metrics`);
      expect(scraped.status).toBe(200);
      contentType = scraped.headers["content-type"];
      exposition = parseExposition(scraped.body);
    } finally {
      await server.close();
    }
  });
  afterAll(async () => {
    await transport?.close();
    await Promise.all([cluster?.stop(), silent?.close()]);
    await vm?.stop();
  });

  it("serves Prometheus text format", () => {
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(exposition.types.get("vmanomaly_writer_request_duration_seconds")).toBe("histogram");
    expect(exposition.types.get("vmanomaly_writer_request_serialize_seconds")).toBe("histogram");
    for (const name of ["responses", "sent_bytes", "datapoints_sent", "timeseries_sent"]) {
      expect(exposition.types.get(`vmanomaly_writer_${name}_total`)).toBe("counter");
    }
  });

  it("counts every response by code: 204, 400 and each timed-out attempt", () => {
    expect(exposition.value("vmanomaly_writer_responses_total", { ...labels(vmImport, "q1"), code: "204" })).toBe(1);
    expect(exposition.value("vmanomaly_writer_responses_total", { ...labels(clusterImport, "q2"), code: "400" })).toBe(
      1,
    );
    expect(
      exposition.value("vmanomaly_writer_responses_total", { ...labels(silentImport, "q3"), code: "timeout" }),
    ).toBe(2);
    expect(exposition.find("vmanomaly_writer_responses_total")).toHaveLength(3);
  });

  it("observes the duration of every attempt, failed ones included", () => {
    expect(attempts).toHaveLength(4);
    const count = (url: string, key: string) =>
      exposition.value("vmanomaly_writer_request_duration_seconds_count", labels(url, key));
    expect(count(vmImport, "q1")).toBe(1);
    expect(count(clusterImport, "q2")).toBe(1);
    expect(count(silentImport, "q3")).toBe(2);
    const total = exposition
      .find("vmanomaly_writer_request_duration_seconds_count")
      .reduce((sum, s) => sum + s.value, 0);
    expect(total).toBe(attempts.length);
    expect(
      exposition.value("vmanomaly_writer_request_duration_seconds_bucket", {
        ...labels(silentImport, "q3"),
        le: "+Inf",
      }),
    ).toBe(2);
    // Each timed-out attempt lasted at least the 300 ms timeout.
    expect(
      exposition.value("vmanomaly_writer_request_duration_seconds_bucket", {
        ...labels(silentImport, "q3"),
        le: "0.25",
      }),
    ).toBe(0);
    expect(exposition.value("anomaly_writer_retries_total", labels(silentImport, "q3"))).toBe(1);
    expect(exposition.find("anomaly_writer_retries_total")).toHaveLength(1);
  });

  it("moves sent bytes, datapoints and timeseries only for the success", () => {
    expect(exposition.value("vmanomaly_writer_sent_bytes_total", labels(vmImport, "q1"))).toBe(Buffer.byteLength(body));
    expect(exposition.value("vmanomaly_writer_datapoints_sent_total", labels(vmImport, "q1"))).toBe(3);
    expect(exposition.value("vmanomaly_writer_timeseries_sent_total", labels(vmImport, "q1"))).toBe(2);
    for (const name of ["sent_bytes", "datapoints_sent", "timeseries_sent"]) {
      expect(exposition.find(`vmanomaly_writer_${name}_total`)).toHaveLength(1);
    }
    expect(exposition.value("vmanomaly_writer_request_serialize_seconds_count", labels(vmImport, "q1"))).toBe(1);
  });

  it("proves the success by reading it back", async () => {
    const series = await vm.exportSeries('{__name__="hc_metrics_probe"}');
    expect(series.map((s) => [s.metric.series, s.values])).toEqual([
      ["a", [1, 2]],
      ["b", [3]],
    ]);
  });

  it("exposes drops, the queue, start time and version", () => {
    expect(
      exposition.value("anomaly_writer_dropped_datapoints_total", {
        ...labels(clusterImport, "q2"),
        reason: "permanent_error",
      }),
    ).toBe(3);
    expect(
      exposition.value("anomaly_writer_dropped_datapoints_total", {
        url: "",
        query_key: "q1",
        scheduler_alias: "",
        preset: "",
        reason: "nan",
      }),
    ).toBe(2);
    expect(exposition.value("anomaly_writer_queue_pending_bytes")).toBe(1024);
    expect(exposition.value("anomaly_writer_queue_pending_entries")).toBe(3);
    expect(exposition.value("vmanomaly_start_time_seconds")).toBe(1_732_406_400);
    expect(exposition.value("anomaly_writer_version_info", { version: "1.2.3" })).toBe(1);
  });
});

describe("createWriterMetrics", () => {
  const attempt = (overrides: Partial<AttemptInfo>): AttemptInfo => ({
    url: "http://vm:8428/api/v1/import",
    method: "POST",
    attempt: 1,
    durationMs: 12,
    code: "204",
    ok: true,
    bytesSent: 10,
    willRetry: false,
    ...overrides,
  });

  it("keeps credentials, query and fragment out of the url label", async () => {
    const metrics = createWriterMetrics();
    metrics.onAttempt(
      attempt({
        url: "https://writer:s3cret@vm.example:8480/insert/1:2/prometheus/api/v1/import?authKey=k3y#x",
        context: { query_key: "q" },
      }),
    );
    metrics.recordSuccess(
      { url: "http://<redacted>@vm:8428/api/v1/import?token=t0k", query_key: "q", scheduler_alias: "", preset: "" },
      { bytes: 1, datapoints: 1, timeseries: 1 },
    );
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/s3cret|k3y|t0k|writer@|redacted/);
    const parsed = parseExposition(text);
    expect(
      parsed.value("vmanomaly_writer_responses_total", {
        url: "https://vm.example:8480/insert/1:2/prometheus/api/v1/import",
        query_key: "q",
        scheduler_alias: "",
        preset: "",
        code: "204",
      }),
    ).toBe(1);
    expect(
      parsed.value("vmanomaly_writer_sent_bytes_total", {
        url: "http://vm:8428/api/v1/import",
        query_key: "q",
        scheduler_alias: "",
        preset: "",
      }),
    ).toBe(1);
  });

  it("ignores the metrics pusher's own requests", async () => {
    const metrics = createWriterMetrics();
    metrics.onAttempt(attempt({ context: { component: "monitoring_push" } }));
    expect(parseExposition(await metrics.registry.metrics()).find("vmanomaly_writer_responses_total")).toHaveLength(0);
  });

  it("attaches to a registry that already holds its metrics, and refuses a clash of types", async () => {
    const registry = new Registry();
    createWriterMetrics({ registry }).onAttempt(attempt({}));
    createWriterMetrics({ registry, version: "2" }).onAttempt(attempt({}));
    const parsed = parseExposition(await registry.metrics());
    expect(parsed.find("vmanomaly_writer_responses_total")[0]?.value).toBe(2);

    const other = new Registry();
    other.registerMetric(new Gauge({ name: "vmanomaly_writer_responses_total", help: "x", registers: [] }));
    expect(() => createWriterMetrics({ registry: other })).toThrow(HealthcheckError);
  });

  it("does not count zero drops and keeps the entries gauge when only bytes are given", async () => {
    const metrics = createWriterMetrics();
    metrics.recordDropped("inf", 0);
    metrics.setQueuePending(10, 2);
    metrics.setQueuePending(5);
    const parsed = parseExposition(await metrics.registry.metrics());
    expect(parsed.find("anomaly_writer_dropped_datapoints_total")).toHaveLength(0);
    expect(parsed.value("anomaly_writer_queue_pending_bytes")).toBe(5);
    expect(parsed.value("anomaly_writer_queue_pending_entries")).toBe(2);
  });
});
