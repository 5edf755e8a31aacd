import { parseConfig } from "@anomaly-writer/config";
import { makeRecords, startVictoriaMetrics, type VictoriaMetricsServer, writerYaml } from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";

// vmanomaly 1.30.3's writer keys, applied to our batching and label cache.
let vm: VictoriaMetricsServer;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
});
afterAll(async () => {
  await vm?.stop();
});

const writeWith = async (
  queryKey: string,
  keys: string,
  count: number,
  labels?: (i: number) => Record<string, string>,
) => {
  const writer = createVmWriter(parseConfig(writerYaml(vm.url, keys)));
  const result = await writer.write(makeRecords({ queryKey, count, ...(labels ? { labels } : {}) }));
  await writer.close();
  const scores = await vm.exportSeries(`{__name__="anomaly_score",for="${queryKey}"}`);
  return { result, scores };
};

describe("batch_max_series, batch_max_bytes, metric_prefix_cache_max_entries", () => {
  it("batch_max_series bounds the series of each request (3 per record, 2 records a request)", async () => {
    const { result, scores } = await writeWith("by_series", "  batch_max_series: 6\n", 10);
    expect(result.ok).toBe(true);
    expect(result.requests).toBe(5);
    expect(result.series).toBe(30);
    expect(scores).toHaveLength(10);
  });

  it("batch_max_bytes bounds the bytes of each request", async () => {
    const big = await writeWith("by_bytes_default", "", 200);
    const small = await writeWith("by_bytes_small", "  batch_max_bytes: 4KiB\n", 200);
    expect(big.result.requests).toBe(1);
    // 600 lines of about 100 bytes in 4 KiB requests.
    expect(small.result.requests).toBeGreaterThanOrEqual(Math.ceil(small.result.bytes / 4096));
    expect(small.result.bytes).toBe(
      big.result.bytes + small.result.series * ("by_bytes_small".length - "by_bytes_default".length),
    );
    expect(small.scores).toHaveLength(200);
  });

  it("metric_prefix_cache_max_entries: 0 switches the label cache off and writes the same", async () => {
    // An empty label value takes the encoder's general path, the one with the label cache.
    const { result, scores } = await writeWith("no_cache", "  metric_prefix_cache_max_entries: 0\n", 50, (i) => ({
      instance: `host-${i}`,
      job: "",
    }));
    expect(result.ok).toBe(true);
    expect(scores).toHaveLength(50);
    expect(scores.find((s) => s.metric.instance === "host-7")?.values).toEqual([0.7]);
  });
});
