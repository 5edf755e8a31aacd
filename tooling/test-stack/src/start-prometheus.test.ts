import { existsSync } from "node:fs";
import { httpSend } from "@anomaly-writer/local-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PrometheusServer, startPrometheus } from "./start-prometheus.ts";

// A remote-write 1.0 body made by hand, so that this test needs neither protobuf nor snappy:
// protobuf fields are tag + length-delimited bytes; the snappy block is one literal.
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
  out.push(n);
  return out;
};
const field = (tag: number, bytes: readonly number[]): number[] => [tag, ...varint(bytes.length), ...bytes];
const text = (s: string): number[] => [...Buffer.from(s, "utf8")];
function writeRequest(labels: Record<string, string>, value: number, timestamp: number): Buffer {
  const double = Buffer.alloc(8);
  double.writeDoubleLE(value);
  const sample = [0x09, ...double, 0x10, ...varint(timestamp)];
  const series = [
    ...Object.keys(labels)
      .sort()
      .flatMap((name) => field(0x0a, [...field(0x0a, text(name)), ...field(0x12, text(labels[name] ?? ""))])),
    ...field(0x12, sample),
  ];
  const proto = field(0x0a, series);
  if (proto.length > 60) throw new Error("keep the hand-made request under 61 bytes: one short snappy literal");
  return Buffer.from([...varint(proto.length), (proto.length - 1) << 2, ...proto]);
}

describe("startPrometheus", () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus();
  });
  afterAll(async () => prometheus?.stop());

  it("is ready and answers queries", async () => {
    expect((await httpSend(`${prometheus.url}/-/ready`)).status).toBe(200);
    const at = 1_732_406_400_000;
    expect(await prometheus.query("vector(42)", at)).toEqual([{ metric: {}, samples: [{ timestamp: at, value: 42 }] }]);
  });

  it("takes remote writes and reads them back", async () => {
    const now = Date.now() - 1000;
    const body = writeRequest({ __name__: "ts_prom", job: "test-stack" }, 2.5, now);
    const res = await httpSend(`${prometheus.url}/api/v1/write`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/x-protobuf",
        "content-encoding": "snappy",
        "x-prometheus-remote-write-version": "0.1.0",
      },
    });
    expect(res.status).toBe(204);
    expect(await prometheus.query("ts_prom[5m]", now + 1000)).toEqual([
      { metric: { __name__: "ts_prom", job: "test-stack" }, samples: [{ timestamp: now, value: 2.5 }] },
    ]);
  });

  it("reports a bad query with Prometheus' own error", async () => {
    await expect(prometheus.query("sum(")).rejects.toThrow(
      /\[test-stack\] prometheus query "sum\(" answered 400: .*parse error/,
    );
  });
});

describe("startPrometheus without the binary", () => {
  it("says in one line how to install it", async () => {
    await expect(startPrometheus({ binary: "prometheus-not-here" })).rejects.toThrow(
      "prometheus-not-here not found on PATH: install it with `apt-get install prometheus`",
    );
  });

  it("removes its directory on stop", async () => {
    const prometheus = await startPrometheus();
    await prometheus.stop();
    expect(existsSync(prometheus.dir)).toBe(false);
  });
});
