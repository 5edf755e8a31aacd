import { hostname } from "node:os";
import type { NginxServer, VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { freePort, startNginx, startVictoriaMetrics } from "@anomaly-writer/test-stack";
import { createTransport, type Transport } from "@anomaly-writer/transport";
import { Gauge, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetricsPusher, type PushClock } from "./create-metrics-pusher.ts";
import { createWriterMetrics } from "./create-writer-metrics.ts";
import { HealthcheckError } from "./errors.ts";

/** A clock whose interval fires only when the test says so. */
function manualClock() {
  let callback: (() => void) | undefined;
  const state = { intervalMs: 0, cleared: false };
  const clock: PushClock = {
    setInterval(fn, ms) {
      callback = fn;
      state.intervalMs = ms;
      return "handle";
    },
    clearInterval(handle) {
      state.cleared = handle === "handle";
    },
  };
  return { clock, state, tick: () => callback?.() };
}

/** Poll a count until it reaches `n` (5 s at most). */
const untilCount = (read: () => number, n: number, what: string) =>
  expect.poll(read, { timeout: 5000, interval: 20, message: what }).toBe(n);

describe("createMetricsPusher against a real VictoriaMetrics", () => {
  let vm: VictoriaMetricsServer;
  let cluster: NginxServer;
  let proxy: NginxServer;
  let transport: Transport;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    [cluster, proxy] = await Promise.all([
      startNginx({ upstream: vm.url, cluster: true }),
      startNginx({ upstream: vm.url }),
    ]);
    transport = createTransport({ timeoutMs: 2000, retry: { attempts: 1 } });
  });
  afterAll(async () => {
    await transport?.close();
    await Promise.all([cluster?.stop(), proxy?.stop()]);
    await vm?.stop();
  });

  it("pushes Prometheus text to /api/v1/import/prometheus with job, instance and extra labels", async () => {
    const metrics = createWriterMetrics({ version: "push-1" });
    metrics.onAttempt({
      url: `${vm.url}/api/v1/import`,
      method: "POST",
      attempt: 1,
      durationMs: 20,
      code: "204",
      ok: true,
      bytesSent: 5,
      willRetry: false,
      context: { query_key: "q1" },
    });
    const pusher = createMetricsPusher({
      registry: metrics.registry,
      transport,
      url: `${vm.url}/`,
      frequencyMs: 0,
      instance: "writer-1:8080",
      extraLabels: { env: "push-test-1" },
    });
    expect(pusher.url).toBe(`${vm.url}/api/v1/import/prometheus`);
    expect(pusher.labels).toEqual({ job: "vmanomaly", instance: "writer-1:8080", env: "push-test-1" });
    await pusher.pushNow();

    const version = await vm.exportSeries('{__name__="anomaly_writer_version_info",env="push-test-1"}');
    expect(version.map((s) => s.metric)).toEqual([
      {
        __name__: "anomaly_writer_version_info",
        env: "push-test-1",
        instance: "writer-1:8080",
        job: "vmanomaly",
        version: "push-1",
      },
    ]);
    expect(version[0]?.values).toEqual([1]);
    const buckets = await vm.exportSeries(
      '{__name__="vmanomaly_writer_request_duration_seconds_bucket",env="push-test-1",le="+Inf"}',
    );
    expect(buckets.map((s) => [s.metric.query_key, s.metric.code, s.values])).toEqual([["q1", undefined, [1]]]);
    const responses = await vm.exportSeries('{__name__="vmanomaly_writer_responses_total",env="push-test-1"}');
    expect(responses.map((s) => [s.metric.code, s.metric.url, s.values])).toEqual([
      ["204", `${vm.url}/api/v1/import`, [1]],
    ]);
  });

  it("lets extra_labels override job and instance; the default instance is <host>:<pull port>", async () => {
    const registry = new Registry();
    new Gauge({ name: "hc_push_override", help: "h", registers: [registry] }).set(1);
    const overriding = createMetricsPusher({
      registry,
      transport,
      url: vm.url,
      frequencyMs: 0,
      pullPort: 8080,
      extraLabels: { job: "custom-job" },
    });
    expect(overriding.labels).toEqual({ job: "custom-job", instance: `${hostname()}:8080` });
    await overriding.pushNow();
    const defaults = createMetricsPusher({
      registry,
      transport,
      url: vm.url,
      frequencyMs: 0,
      extraLabels: { instance: "pinned" },
    });
    expect(defaults.labels).toEqual({ job: "vmanomaly", instance: "pinned" });
    await defaults.pushNow();
    const series = await vm.exportSeries('{__name__="hc_push_override"}');
    expect(series).toHaveLength(2);
    expect(series.map((s) => s.metric)).toEqual(
      expect.arrayContaining([
        { __name__: "hc_push_override", instance: `${hostname()}:8080`, job: "custom-job" },
        { __name__: "hc_push_override", instance: "pinned", job: "vmanomaly" },
      ]),
    );
  });

  it("pushes to the tenant path of a cluster vminsert", async () => {
    const registry = new Registry();
    new Gauge({ name: "hc_push_tenant", help: "h", registers: [registry] }).set(34);
    const pusher = createMetricsPusher({
      registry,
      transport,
      url: cluster.url,
      tenantId: "3:4",
      frequencyMs: 0,
      instance: "i",
    });
    expect(pusher.url).toBe(`${cluster.url}/insert/3:4/prometheus/api/v1/import/prometheus`);
    await pusher.pushNow();
    const series = await vm.exportSeries('{__name__="hc_push_tenant"}');
    expect(series.map((s) => [s.metric, s.values])).toEqual([
      [{ __name__: "hc_push_tenant", instance: "i", job: "vmanomaly", vm_account_id: "3", vm_project_id: "4" }, [34]],
    ]);

    const noTenant = createMetricsPusher({ registry, transport, url: cluster.url, frequencyMs: 0 });
    const error = await noTenant.pushNow().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthcheckError);
    expect((error as HealthcheckError).code).toBe("HEALTHCHECK_PUSH_FAILED");
    expect((error as Error).message).toBe(
      `[healthcheck] cannot push metrics to ${cluster.url}/api/v1/import/prometheus: wrong tenant path: the server does not serve /api/v1/import/prometheus — is tenant_id missing for a cluster vminsert?`,
    );
  });

  it("pushes at start, on each tick, and once more at stop", async () => {
    const registry = new Registry();
    const marker = new Gauge({ name: "hc_push_marker", help: "h", registers: [registry] });
    const { clock, state, tick } = manualClock();
    const pushes = () =>
      proxy.accessLog().filter((line) => line.startsWith("POST /api/v1/import/prometheus 204")).length;
    const pusher = createMetricsPusher({
      registry,
      transport,
      url: proxy.url,
      frequencyMs: 900_000,
      clock,
      instance: "ticks",
    });

    marker.set(1);
    pusher.start();
    expect(state.intervalMs).toBe(900_000);
    await untilCount(pushes, 1, "the push at start");
    marker.set(2);
    tick();
    await untilCount(pushes, 2, "the periodic push");
    marker.set(3);
    await pusher.stop();
    expect(state.cleared).toBe(true);
    expect(
      await proxy.waitForAccessLog((line) => line.startsWith("POST /api/v1/import/prometheus 204"), 3),
    ).toHaveLength(3);
    await pusher.stop();
    expect(pushes()).toBe(3);

    const series = await vm.exportSeries('{__name__="hc_push_marker"}');
    expect(series).toHaveLength(1);
    expect(series[0]?.values.at(-1)).toBe(3);
    expect([...(series[0]?.values ?? [])].sort()).toEqual([1, 2, 3]);
  });

  it("reports failures: pushNow rejects, periodic ones and the one at stop go to onError", async () => {
    const port = await freePort();
    const registry = new Registry();
    new Gauge({ name: "hc_push_nowhere", help: "h", registers: [registry] }).set(1);
    const errors: HealthcheckError[] = [];
    const { clock, tick } = manualClock();
    const pusher = createMetricsPusher({
      registry,
      transport,
      url: `http://127.0.0.1:${port}`,
      frequencyMs: 1000,
      clock,
      pushOnStart: false,
      onError: (error) => errors.push(error),
    });
    await expect(pusher.pushNow()).rejects.toThrow(
      `[healthcheck] cannot push metrics to http://127.0.0.1:${port}/api/v1/import/prometheus: connection refused: nothing listens on 127.0.0.1:${port} (is VictoriaMetrics running?)`,
    );
    pusher.start();
    expect(errors).toHaveLength(0);
    tick();
    await untilCount(() => errors.length, 1, "the periodic failure");
    await pusher.stop();
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e.code)).toEqual(["HEALTHCHECK_PUSH_FAILED", "HEALTHCHECK_PUSH_FAILED"]);

    const silentStop = createMetricsPusher({ registry, transport, url: `http://127.0.0.1:${port}`, frequencyMs: 0 });
    await expect(silentStop.stop()).rejects.toThrow(HealthcheckError);
  });
});

describe("createMetricsPusher options", () => {
  const transport = {} as Transport;
  const registry = new Registry();
  it.each([
    [{ extraLabels: { "bad-name": "x" } }, /extra_labels: "bad-name" is not a valid label name/],
    [{ extraLabels: { __name__: "x" } }, /"__name__" is not a valid label name/],
    [{ tenantId: "x:y" }, /tenant_id must be "N", "N:M" or "multitenant", got "x:y"/],
    [{ frequencyMs: -1 }, /push_frequency must be a duration of 0 or more/],
    [{ url: "localhost:8428" }, /must be http/],
    [{ url: "::" }, /not a valid URL/],
  ])("rejects %j", (overrides, message) => {
    expect(() =>
      createMetricsPusher({ registry, transport, url: "http://vm:8428", frequencyMs: 1000, ...overrides }),
    ).toThrow(message);
  });
});
