import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  httpSend,
  startNginx,
  startVictoriaMetrics,
  startVmagent,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, describe, expect, it } from "vitest";
import { startServe, verifyDelivery, waitForEmptyQueue } from "./testing/fault-stream.ts";
import { startRetryingLoad } from "./testing/retrying-load.ts";
import { finished, runCli } from "./testing/run-cli.ts";

// "Beyond one writer" (README): the recipes there, each against real processes and read back.
const dir = mkdtempSync(join(tmpdir(), "aw-scale-out-"));
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

const started = async <T extends { stop(): Promise<unknown> }>(server: Promise<T>): Promise<T> => {
  const s = await server;
  stops.push(() => s.stop());
  return s;
};

function writeConfig(name: string, url: string, extra = ""): string {
  const path = join(dir, `${name}.yml`);
  writeFileSync(path, `writer:\n  datasource_url: ${url}\n  timeout: 500ms\n${extra}`);
  return path;
}

/** `records` model outputs, 5 variables × `points` timestamps each: the same file for every writer. */
function outputsFile(name: string, queryKey: string, records: number, points = 2): string {
  // Recent, as live anomaly scores are: a relay such as vmagent does not show the writer the
  // storage's -retentionPeriod, so the writer keeps to VictoriaMetrics' default (31 days).
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
  const timestamps = Array.from({ length: points }, (_, i) => t0 + i * 60_000);
  const lines = Array.from({ length: records }, (_, n) => {
    const outputs = Object.fromEntries(
      ["anomaly_score", "y", "yhat", "yhat_lower", "yhat_upper"].map((v, k) => [
        v,
        timestamps.map((_, i) => n + k / 10 + i),
      ]),
    );
    return JSON.stringify({ query_key: queryKey, labels: { instance: `h${n}` }, timestamps, outputs });
  });
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** Series and points a VictoriaMetrics holds for one query key, and how many points repeat a timestamp. */
async function pointsOf(vm: VictoriaMetricsServer, queryKey: string) {
  const series = await vm.exportSeries(`{for="${queryKey}"}`);
  const points = series.reduce((sum, s) => sum + s.timestamps.length, 0);
  const repeated = series.reduce((sum, s) => sum + s.timestamps.length - new Set(s.timestamps).size, 0);
  return { series: series.length, points, repeated };
}

describe("Beyond one writer", () => {
  it("three serve instances behind nginx, each with its own queue: one SIGKILLed under load and restarted, nothing acknowledged is lost", async () => {
    const vm = await started(startVictoriaMetrics());
    const ports = [await freePort(), await freePort(), await freePort()];
    const configs = ports.map((_, i) =>
      writeConfig(`lb-${i}`, vm.url, `  queue:\n    path: ${join(dir, `queue-lb-${i}`)}\n`),
    );
    const instances = await Promise.all(ports.map((port, i) => startServe(configs[i] ?? "", port)));
    stops.push(async () => instances.forEach((s) => s.child.kill("SIGKILL")));
    const lb = await started(
      startNginx({
        upstream: ports.map((port) => `http://127.0.0.1:${port}`),
        upstreamServerParameters: "max_fails=1 fail_timeout=1s",
        // A refused connection, or 503/429 from a busy instance, goes to the next instance.
        extraServerConfig:
          "proxy_next_upstream error timeout http_503 http_429 non_idempotent; proxy_connect_timeout 1s;",
      }),
    );
    const load = startRetryingLoad(() => lb.url, "scale_lb", { workers: 3, perPost: 10 });
    try {
      await load.waitForAcknowledged(300);
      // VictoriaMetrics frozen, so that the victim dies with acknowledged entries in its queue.
      const victim = 1;
      vm.signal("SIGSTOP");
      const pendingOfVictim = await waitForQueuedEntries(instances[victim]?.base ?? "", 5);
      instances[victim]?.child.kill("SIGKILL");
      if (instances[victim]) await finished(instances[victim].child);
      vm.signal("SIGCONT");
      const beforeRestart = load.acknowledged.size;
      await load.waitForAcknowledged(beforeRestart + 300); // two instances carry the load
      const restarted = await startServe(configs[victim] ?? "", ports[victim] ?? 0);
      instances[victim] = restarted;
      await waitForIngested(restarted.base); // nginx sends to it again
      await load.stop();
      await Promise.all(instances.map((s) => waitForEmptyQueue(s.base)));
      const { missing, duplicates } = await verifyDelivery(
        "nginx + 3 serve, one SIGKILLed",
        vm,
        "scale_lb",
        load.acknowledged,
      );
      console.log(
        `[scale-out] victim held ${pendingOfVictim} queued entries when killed; client saw ${JSON.stringify(Object.fromEntries(load.statuses))}; duplicates ${duplicates}`,
      );
      expect(pendingOfVictim).toBeGreaterThanOrEqual(5);
      expect(load.unacknowledged).toBe(0);
      expect(load.acknowledged.size).toBeGreaterThan(600);
      expect(missing).toEqual([]);
      for (const s of instances) s.child.kill("SIGTERM");
      for (const s of instances) expect((await finished(s.child)).code).toBe(0);
    } finally {
      vm.signal("SIGCONT");
      await load.stop();
    }
  }, 90_000);

  it("an HA pair writing the same outputs: VictoriaMetrics with -dedup.minScrapeInterval keeps each point once", async () => {
    const [dedup, plain] = await Promise.all([
      started(startVictoriaMetrics({ flags: ["-dedup.minScrapeInterval=1ms"] })),
      started(startVictoriaMetrics()),
    ]);
    const input = outputsFile("ha", "scale_ha", 200, 3);
    // Both members of the pair write the same file at the same time, into each storage.
    const runs = await Promise.all(
      [dedup, plain].flatMap((vm, v) =>
        [0, 1].map((member) => runCli(["write", "-c", writeConfig(`ha-${v}-${member}`, vm.url), "-i", input])),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(await pointsOf(plain, "scale_ha")).toEqual({ series: 1000, points: 6000, repeated: 3000 }); // both wrote everything
    expect(await pointsOf(dedup, "scale_ha")).toEqual({ series: 1000, points: 3000, repeated: 0 });
    // A query sees each point once: 3 points per series over the range.
    const query = `sum(count_over_time({for="scale_ha"}[1h]))`;
    const counted = async (vm: VictoriaMetricsServer) => {
      const res = await vm.request(
        `/api/v1/query?query=${encodeURIComponent(query)}&time=${Math.floor(Date.now() / 1000)}`,
      );
      return (JSON.parse(res.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1];
    };
    expect(await counted(dedup)).toBe("3000");
    console.log(`[scale-out] HA pair: ${query} is ${await counted(dedup)} with dedup, ${await counted(plain)} without`);
  }, 60_000);

  it("relay through vmagent replicating to two VictoriaMetrics: every point in both", async () => {
    const [first, second] = await Promise.all([started(startVictoriaMetrics()), started(startVictoriaMetrics())]);
    const vmagent = await started(startVmagent({ remoteWrite: [first.url, second.url] }));
    const input = outputsFile("relay", "scale_relay", 400);
    const run = await runCli(["write", "-c", writeConfig("relay", vmagent.url), "-i", input]);
    expect(run.code, run.stderr).toBe(0);
    // vmagent forwards asynchronously: wait until each storage holds everything (or time out).
    for (const vm of [first, second]) {
      await expect
        .poll(async () => (await pointsOf(vm, "scale_relay")).points, { timeout: 20_000, interval: 200 })
        .toBe(4000);
      expect(await pointsOf(vm, "scale_relay")).toEqual({ series: 2000, points: 4000, repeated: 0 });
    }
    const [a, b] = [await first.exportSeries('{for="scale_relay"}'), await second.exportSeries('{for="scale_relay"}')];
    expect(b).toEqual(a);
  }, 60_000);

  it("relay through vmagent sharding by input series (hashmod per -remoteWrite.url): each point in exactly one storage", async () => {
    const [first, second] = await Promise.all([started(startVictoriaMetrics()), started(startVictoriaMetrics())]);
    // All outputs of one input series (same `for` and `instance`) go to the same storage.
    const shard = (n: number) =>
      `- action: hashmod\n  source_labels: [for, instance]\n  modulus: 2\n  target_label: __tmp_shard\n- action: keep\n  source_labels: [__tmp_shard]\n  regex: "${n}"\n`;
    const vmagent = await started(
      startVmagent({ remoteWrite: [first.url, second.url], urlRelabelConfigs: [shard(0), shard(1)] }),
    );
    const run = await runCli([
      "write",
      "-c",
      writeConfig("shard", vmagent.url),
      "-i",
      outputsFile("shard", "scale_shard", 400),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const total = async () =>
      (await pointsOf(first, "scale_shard")).points + (await pointsOf(second, "scale_shard")).points;
    await expect.poll(total, { timeout: 20_000, interval: 200 }).toBe(4000);
    const byInstance = async (vm: VictoriaMetricsServer) => {
      const names = new Map<string, Set<string>>();
      for (const s of await vm.exportSeries('{for="scale_shard"}')) {
        expect(Object.keys(s.metric).sort()).toEqual(["__name__", "for", "instance"]);
        names.set(
          s.metric.instance ?? "",
          (names.get(s.metric.instance ?? "") ?? new Set()).add(s.metric.__name__ ?? ""),
        );
      }
      return names;
    };
    const [a, b] = [await byInstance(first), await byInstance(second)];
    expect(a.size + b.size).toBe(400);
    expect(Math.min(a.size, b.size)).toBeGreaterThan(100); // both shards carry a share
    expect([...a.keys()].filter((instance) => b.has(instance))).toEqual([]);
    for (const outputs of [...a.values(), ...b.values()]) expect(outputs.size).toBe(5);
  }, 60_000);
});

/** Wait until serve's durable queue holds at least `count` entries; returns how many it holds. */
async function waitForQueuedEntries(base: string, count: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await httpSend(`${base}/metrics`).then(
      (r) => r.body,
      () => "",
    );
    const pending = Number(/^anomaly_writer_queue_pending_entries (\d+)$/m.exec(text)?.[1] ?? 0);
    if (pending >= count) return pending;
    if (Date.now() > deadline)
      throw new Error(`fewer than ${count} entries queued at ${base} within 20 s (${pending})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Wait until serve at `base` has acknowledged an ingest request. */
async function waitForIngested(base: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  const served =
    /^anomaly_writer_ingest_requests_total\{[^}]*path="\/api\/v1\/outputs"[^}]*code="200"[^}]*\} ([1-9]\d*)$/m;
  while (
    !served.test(
      await httpSend(`${base}/metrics`).then(
        (r) => r.body,
        () => "",
      ),
    )
  ) {
    if (Date.now() > deadline) throw new Error(`${base} received no ingest request within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
