import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@anomaly-writer/config";
import {
  BACKFILL_LIMITS,
  makeRecords,
  startNginx,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";

// These tests stop, kill and restart VictoriaMetrics: each has its own.
let vm: VictoriaMetricsServer;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aw-writer-queue-"));
});
beforeEach(async () => {
  vm = await startVictoriaMetrics();
});
afterEach(async () => {
  await vm?.stop();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const queueYaml = (url: string, name: string, extra = "") =>
  `writer:\n  datasource_url: ${url}\n  timeout: 500ms\n${BACKFILL_LIMITS}  queue:\n    path: ${join(dir, name)}\n${extra}`;

async function until(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached in time");
}

describe("createVmWriter with writer.queue", () => {
  it("acknowledges while VictoriaMetrics is down and delivers everything once it is back", async () => {
    const writer = createVmWriter(parseConfig(queueYaml(vm.url, "outage")));
    await writer.ready();
    await vm.stop({ keepData: true });
    const result = await writer.write(makeRecords({ queryKey: "outage", count: 50 }), { atomic: true });
    expect(result).toMatchObject({ ok: true, queued: true, datapoints: 150 });
    expect(writer.queueStats().pendingEntries).toBeGreaterThan(0);
    await vm.restart();
    await until(async () => writer.queueStats().pendingEntries === 0);
    expect(await vm.exportSeries('{for="outage"}')).toHaveLength(150);
    const metrics = await writer.metrics.registry.metrics();
    expect(metrics).toMatch(/anomaly_writer_queue_pending_bytes 0/);
    await writer.close();
  });

  it("sends again what VictoriaMetrics acknowledged but lost in a crash (replay window)", async () => {
    const writer = createVmWriter(parseConfig(queueYaml(vm.url, "replay")));
    await writer.write(makeRecords({ queryKey: "replay_a", count: 30 }), { atomic: true });
    await until(async () => writer.queueStats().pendingEntries === 0);
    // VictoriaMetrics answered 204 for replay_a, but keeps it in memory for a few seconds: kill it now.
    vm.signal("SIGKILL");
    await writer.write(makeRecords({ queryKey: "replay_b", count: 30 }), { atomic: true });
    // Down until the sender has failed to reach it at the connection level (what arms the replay).
    await until(async () =>
      /vmanomaly_writer_responses_total\{[^}]*code="connection_error"[^}]*\} [1-9]/.test(
        await writer.metrics.registry.metrics(),
      ),
    );
    await vm.restart();
    await until(async () => writer.queueStats().pendingEntries === 0);
    await until(async () => (await vm.exportSeries('{for=~"replay_a|replay_b"}')).length === 180);
    const metrics = await writer.metrics.registry.metrics();
    // replay_a (90 datapoints) at least; a restart seen both by its start time and by the failed
    // attempts may send the window twice (at least once is the promise, not exactly once).
    const replayed = Number(/anomaly_writer_queue_replayed_datapoints_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(replayed).toBeGreaterThanOrEqual(90);
    await writer.close();
  });

  it("moves permanently refused data to the dead-letter file, with its reason, and goes on", async () => {
    const cluster = await startNginx({ upstream: vm.url, cluster: true });
    try {
      // A cluster vminsert without tenant path answers 400 for every import.
      const writer = createVmWriter(parseConfig(queueYaml(cluster.url, "dead")));
      await writer.write(makeRecords({ queryKey: "dead", count: 2 }), { atomic: true });
      await until(async () => writer.queueStats().pendingEntries === 0);
      const letters = readFileSync(join(dir, "dead", "dead-letters.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(letters).toHaveLength(1);
      // Single-point series go as Prometheus text: the dead letter says so in its meta.
      expect(letters[0]).toMatchObject({
        code: "400",
        meta: { query_key: "dead", datapoints: 6, series: 6, format: "prometheus" },
      });
      expect(letters[0].reason).toContain("unsupported path");
      // The refused lines are kept as they were: importable once the cause is fixed.
      const imported = await vm.request("/api/v1/import/prometheus", { method: "POST", body: letters[0].body });
      expect(imported.status).toBe(204);
      // A new VictoriaMetrics makes the first rows of a day searchable a moment later: wait for them.
      await until(async () => (await vm.exportSeries('{for="dead"}')).length === 6);
      expect(await writer.metrics.registry.metrics()).toMatch(/anomaly_writer_dead_letter_datapoints_total\{[^}]*\} 6/);
      await writer.close();
    } finally {
      await cluster.stop();
    }
  });

  it("refuses an atomic write that does not fit, queuing nothing of it", async () => {
    const writer = createVmWriter(parseConfig(queueYaml("http://127.0.0.1:1", "full", "    max_size: 256KiB\n")), {
      backgroundSender: false,
    });
    await writer.ready();
    const big = makeRecords({ queryKey: "full", count: 400, points: 5 });
    await writer.write(big.slice(0, 200), { atomic: true });
    const before = writer.queueStats();
    await expect(writer.write(big, { atomic: true })).rejects.toMatchObject({ code: "WRITER_QUEUE_FULL" });
    expect(writer.queueStats()).toEqual(before);
    await writer.close();
  });

  it("keeps what a one-shot drain could not send for the next run", async () => {
    await vm.stop({ keepData: true });
    const first = createVmWriter(parseConfig(queueYaml(vm.url, "next-run")), { backgroundSender: false });
    await first.write(makeRecords({ queryKey: "next_run", count: 20 }));
    const drained = await first.drainQueue();
    expect(drained.sent).toBe(0);
    expect(drained.remaining).toBeGreaterThan(0);
    await first.close();
    await vm.restart();
    const second = createVmWriter(parseConfig(queueYaml(vm.url, "next-run")), { backgroundSender: false });
    expect((await second.drainQueue()).remaining).toBe(0);
    await second.close();
    expect(await vm.exportSeries('{for="next_run"}')).toHaveLength(60);
    expect(existsSync(join(dir, "next-run", "dead-letters.jsonl"))).toBe(false);
  });
});
