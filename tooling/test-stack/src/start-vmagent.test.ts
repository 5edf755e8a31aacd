import { httpSend, startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/local-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVmagent } from "./start-vmagent.ts";

const line = (name: string, host: string) =>
  `${JSON.stringify({ metric: { __name__: name, host }, values: [1], timestamps: [1732406400000] })}\n`;

let first: VictoriaMetricsServer;
let second: VictoriaMetricsServer;
beforeAll(async () => {
  [first, second] = await Promise.all([startVictoriaMetrics(), startVictoriaMetrics()]);
});
afterAll(async () => Promise.all([first?.stop(), second?.stop()]));

const hosts = async (vm: VictoriaMetricsServer, name: string) =>
  (await vm.exportSeries(`{__name__="${name}"}`)).map((s) => s.metric.host).sort();

describe("startVmagent", () => {
  it("replicates what it is sent to every -remoteWrite.url", async () => {
    const vmagent = await startVmagent({ remoteWrite: [first.url, second.url] });
    try {
      const res = await httpSend(`${vmagent.url}/api/v1/import`, {
        method: "POST",
        body: line("agent_replica", "a") + line("agent_replica", "b"),
      });
      expect(res.status).toBe(204);
      for (const vm of [first, second])
        await expect.poll(() => hosts(vm, "agent_replica"), { timeout: 15_000, interval: 100 }).toEqual(["a", "b"]);
    } finally {
      await vmagent.stop();
    }
  });

  it("shards with per-URL relabeling (hashmod)", async () => {
    const shard = (n: number) =>
      `- action: hashmod\n  source_labels: [host]\n  modulus: 2\n  target_label: __tmp_shard\n- action: keep\n  source_labels: [__tmp_shard]\n  regex: "${n}"\n`;
    const vmagent = await startVmagent({
      remoteWrite: [first.url, second.url],
      urlRelabelConfigs: [shard(0), shard(1)],
    });
    try {
      const body = Array.from({ length: 20 }, (_, i) => line("agent_shard", `h${i}`)).join("");
      expect((await httpSend(`${vmagent.url}/api/v1/import`, { method: "POST", body })).status).toBe(204);
      await expect
        .poll(async () => (await hosts(first, "agent_shard")).length + (await hosts(second, "agent_shard")).length, {
          timeout: 15_000,
          interval: 100,
        })
        .toBe(20);
      const [a, b] = [await hosts(first, "agent_shard"), await hosts(second, "agent_shard")];
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(a.filter((h) => b.includes(h))).toEqual([]);
    } finally {
      await vmagent.stop();
    }
  });

  it("refuses a urlRelabelConfigs list that does not match the URLs", async () => {
    await expect(startVmagent({ remoteWrite: [first.url, second.url], urlRelabelConfigs: ["[]"] })).rejects.toThrow(
      /one entry per remoteWrite URL/,
    );
  });
});
