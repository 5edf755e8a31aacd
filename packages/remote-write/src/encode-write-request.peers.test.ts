import {
  httpSend,
  labelKey,
  type NginxServer,
  type PrometheusServer,
  startNginx,
  startPrometheus,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnappyCodec } from "./create-snappy-codec.ts";
import { encodeWriteRequest } from "./encode-write-request.ts";
import { REMOTE_WRITE_HEADERS } from "./remote-write-headers.ts";
import { createTransport, type Transport, TransportError } from "./testing/create-transport.ts";
import type { RemoteWriteSeries } from "./types.ts";
import { getWriteRequestType } from "./write-request-definition.ts";

// Real receivers: VictoriaMetrics single node (and nginx emulating a cluster vminsert in front of
// it) and Prometheus with its remote-write receiver. Requests leave through @anomaly-writer/transport.
const T0 = 1_732_406_400_000;
const HOSTILE = [
  'quote " and \\ backslash',
  "new\nline\ttab\r",
  "emoji 😀🚀 ünïcödé 中文 العربية",
  '{a="b"}, c=d',
  " spaces around ",
];
const js = createSnappyCodec({ implementation: "js" });

let vm: VictoriaMetricsServer;
let nginx: NginxServer;
let prometheus: PrometheusServer;
let transport: Transport;

beforeAll(async () => {
  [vm, prometheus] = await Promise.all([startVictoriaMetrics(), startPrometheus()]);
  nginx = await startNginx({ upstream: vm.url, cluster: true });
  transport = createTransport({ retry: { attempts: 1 } });
});
afterAll(async () => {
  await transport?.close();
  await Promise.all([nginx?.stop(), vm?.stop(), prometheus?.stop()]);
});

const send = (url: string, body: Uint8Array) => transport.post(url, body, { headers: { ...REMOTE_WRITE_HEADERS } });
const write = (url: string, series: readonly RemoteWriteSeries[], snappy = createSnappyCodec()) =>
  send(url, encodeWriteRequest(series, { snappy }));
const exported = async (match: string) =>
  (await vm.exportSeries(match)).map((s) => ({ metric: s.metric, timestamps: s.timestamps, values: s.values }));

describe("remote write into VictoriaMetrics", () => {
  it("stores exact labels and values at /api/v1/write", async () => {
    const res = await write(`${vm.url}/api/v1/write`, [
      {
        labels: { __name__: "rw_vm_anomaly_score", for: "cpu_rate", instance: "host-1:9100", model_alias: "zscore" },
        timestamps: [T0, T0 + 60_000],
        values: [0.42, 1.7],
      },
      {
        labels: { __name__: "rw_vm_yhat", for: "cpu_rate", instance: "host-1:9100", model_alias: "zscore" },
        timestamps: [T0, T0 + 60_000],
        values: [11.9, -12.25],
      },
    ]);
    expect(res.status).toBe(204);
    expect(await exported('{__name__=~"rw_vm_(anomaly_score|yhat)"}')).toEqual([
      {
        metric: { __name__: "rw_vm_anomaly_score", for: "cpu_rate", instance: "host-1:9100", model_alias: "zscore" },
        timestamps: [T0, T0 + 60_000],
        values: [0.42, 1.7],
      },
      {
        metric: { __name__: "rw_vm_yhat", for: "cpu_rate", instance: "host-1:9100", model_alias: "zscore" },
        timestamps: [T0, T0 + 60_000],
        values: [11.9, -12.25],
      },
    ]);
  });

  it("keeps each value with its timestamp when the input is not sorted", async () => {
    await write(`${vm.url}/api/v1/write`, [
      { labels: { __name__: "rw_vm_unsorted" }, timestamps: [T0 + 120_000, T0, T0 + 60_000], values: [3, 1, 2] },
    ]);
    expect(await exported("rw_vm_unsorted")).toEqual([
      { metric: { __name__: "rw_vm_unsorted" }, timestamps: [T0, T0 + 60_000, T0 + 120_000], values: [1, 2, 3] },
    ]);
  });

  it("round-trips hostile label names and values", async () => {
    const labels: Record<string, string> = { __name__: "rw_vm_hostile", 'odd name "😀"': "odd\nvalue" };
    HOSTILE.forEach((value, i) => (labels[`l${i}`] = value));
    await write(`${vm.url}/api/v1/write`, [{ labels, timestamps: [T0], values: [1] }]);
    expect(await exported("rw_vm_hostile")).toEqual([{ metric: labels, timestamps: [T0], values: [1] }]);
  });

  it("writes with the pure-JS snappy too", async () => {
    await write(
      `${vm.url}/api/v1/write`,
      [{ labels: { __name__: "rw_vm_snappyjs", impl: "js" }, timestamps: [T0], values: [7] }],
      js,
    );
    expect(await exported("rw_vm_snappyjs")).toEqual([
      { metric: { __name__: "rw_vm_snappyjs", impl: "js" }, timestamps: [T0], values: [7] },
    ]);
  });

  it("adds the tenant of /insert/A:P/prometheus/api/v1/write, and keeps the labels of /insert/multitenant", async () => {
    await write(`${nginx.url}/insert/3:4/prometheus/api/v1/write`, [
      { labels: { __name__: "rw_vm_tenant", job: "a" }, timestamps: [T0], values: [1] },
    ]);
    await write(`${nginx.url}/insert/multitenant/prometheus/api/v1/write`, [
      {
        labels: { __name__: "rw_vm_tenant", job: "b", vm_account_id: "5", vm_project_id: "6" },
        timestamps: [T0],
        values: [2],
      },
    ]);
    expect(await exported("rw_vm_tenant")).toEqual([
      {
        metric: { __name__: "rw_vm_tenant", job: "a", vm_account_id: "3", vm_project_id: "4" },
        timestamps: [T0],
        values: [1],
      },
      {
        metric: { __name__: "rw_vm_tenant", job: "b", vm_account_id: "5", vm_project_id: "6" },
        timestamps: [T0],
        values: [2],
      },
    ]);
    expect(await nginx.waitForAccessLog((line) => line.includes("/prometheus/api/v1/write 204"), 2)).toHaveLength(2);
  });

  it("answers 400 (permanent, not retried) to a body that is not snappy", async () => {
    const error = await send(`${vm.url}/api/v1/write`, Buffer.from("not snappy")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ status: 400, retryable: false, attempts: 1 });
  });

  it("stores what was encoded, for any series (property)", async () => {
    let run = 0;
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/).filter((n) => n !== "__name__" && n !== "i");
    const seriesArb = fc.record({
      labels: fc.dictionary(name, fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), { maxKeys: 5 }),
      timestamps: fc.uniqueArray(fc.integer({ min: T0 - 30 * 86_400_000, max: T0 }), { minLength: 1, maxLength: 20 }),
      cents: fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 20, maxLength: 20 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(seriesArb, { minLength: 1, maxLength: 3 }), async (generated) => {
        const metric = `rw_vm_property_${++run}`;
        const series = generated.map((s, i) => ({
          labels: { ...s.labels, __name__: metric, i: String(i) },
          timestamps: s.timestamps,
          values: s.timestamps.map((_, j) => (s.cents[j] ?? 0) / 100),
        }));
        await write(`${vm.url}/api/v1/write`, series);
        const expected = series
          .map((s) => {
            const order = s.timestamps.map((_, j) => j).sort((a, b) => (s.timestamps[a] ?? 0) - (s.timestamps[b] ?? 0));
            return {
              metric: s.labels,
              timestamps: order.map((j) => s.timestamps[j]),
              values: order.map((j) => s.values[j]),
            };
          })
          .sort((a, b) => labelKey(a.metric).localeCompare(labelKey(b.metric)));
        expect(await exported(metric)).toEqual(expected);
      }),
      { numRuns: 15 },
    );
  });
});

describe("remote write into Prometheus", () => {
  // Prometheus only takes samples close to its head block: stamp them near now.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const minutesAgo = (m: number) => now - m * 60_000;
  const query = (selector: string) => prometheus.query(`${selector}[30m]`, now + 1000);

  it("stores exact labels and values", async () => {
    const res = await write(`${prometheus.url}/api/v1/write`, [
      {
        labels: { __name__: "rw_prom_anomaly_score", for: "cpu_rate", instance: "host-1:9100" },
        timestamps: [minutesAgo(3), minutesAgo(2)],
        values: [0.42, 1.7],
      },
      {
        labels: { __name__: "rw_prom_anomaly_score", for: "cpu_rate", instance: "host-2:9100" },
        timestamps: [minutesAgo(3)],
        values: [-3.25],
      },
    ]);
    expect(res.status).toBe(204);
    expect(await query("rw_prom_anomaly_score")).toEqual([
      {
        metric: { __name__: "rw_prom_anomaly_score", for: "cpu_rate", instance: "host-1:9100" },
        samples: [
          { timestamp: minutesAgo(3), value: 0.42 },
          { timestamp: minutesAgo(2), value: 1.7 },
        ],
      },
      {
        metric: { __name__: "rw_prom_anomaly_score", for: "cpu_rate", instance: "host-2:9100" },
        samples: [{ timestamp: minutesAgo(3), value: -3.25 }],
      },
    ]);
  });

  it("stores every sample of unsorted input and of a label set split over several series", async () => {
    await write(`${prometheus.url}/api/v1/write`, [
      {
        labels: { __name__: "rw_prom_unsorted", job: "x" },
        timestamps: [minutesAgo(1), minutesAgo(5), minutesAgo(3)],
        values: [1, 5, 3],
      },
      {
        labels: { job: "x", __name__: "rw_prom_unsorted" },
        timestamps: [minutesAgo(4), minutesAgo(2)],
        values: [4, 2],
      },
    ]);
    expect(await query("rw_prom_unsorted")).toEqual([
      {
        metric: { __name__: "rw_prom_unsorted", job: "x" },
        samples: [5, 4, 3, 2, 1].map((m) => ({ timestamp: minutesAgo(m), value: m })),
      },
    ]);
  });

  it("drops, with a 204, a sample that goes back in time: what our sorting and merging prevent", async () => {
    const outOfOrder = async () => {
      const metrics = (await httpSend(`${prometheus.url}/metrics`)).body;
      return Number(/^prometheus_tsdb_out_of_order_samples_total\{type="float"\} (\d+)$/m.exec(metrics)?.[1]);
    };
    expect(await outOfOrder()).toBe(0); // nothing of the tests above was dropped
    // Built with protobufjs' reflection encoder, bypassing our sorting and merging.
    const type = getWriteRequestType();
    const labels = [{ name: "__name__", value: "rw_prom_out_of_order" }];
    const message = {
      timeseries: [
        { labels, samples: [{ value: 1, timestamp: minutesAgo(1) }] },
        { labels, samples: [{ value: 2, timestamp: minutesAgo(2) }] },
      ],
    };
    const res = await send(
      `${prometheus.url}/api/v1/write`,
      createSnappyCodec().compress(type.encode(type.fromObject(message)).finish()),
    );
    expect(res.status).toBe(204);
    expect(await query("rw_prom_out_of_order")).toEqual([
      { metric: { __name__: "rw_prom_out_of_order" }, samples: [{ timestamp: minutesAgo(1), value: 1 }] },
    ]);
    expect(await outOfOrder()).toBe(1);
  });

  it("round-trips hostile label values", async () => {
    const labels: Record<string, string> = { __name__: "rw_prom_hostile" };
    HOSTILE.forEach((value, i) => (labels[`l${i}`] = value));
    await write(`${prometheus.url}/api/v1/write`, [{ labels, timestamps: [minutesAgo(1)], values: [1] }]);
    expect(await query("rw_prom_hostile")).toEqual([
      { metric: labels, samples: [{ timestamp: minutesAgo(1), value: 1 }] },
    ]);
  });

  it("writes with the pure-JS snappy too", async () => {
    await write(
      `${prometheus.url}/api/v1/write`,
      [
        {
          labels: { __name__: "rw_prom_snappyjs" },
          timestamps: [minutesAgo(2), minutesAgo(1)],
          values: [1e-9, 12345.678],
        },
      ],
      js,
    );
    expect(await query("rw_prom_snappyjs")).toEqual([
      {
        metric: { __name__: "rw_prom_snappyjs" },
        samples: [
          { timestamp: minutesAgo(2), value: 1e-9 },
          { timestamp: minutesAgo(1), value: 12345.678 },
        ],
      },
    ]);
  });
});
