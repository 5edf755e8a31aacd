import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, httpSend } from "@anomaly-writer/test-stack";
import { afterEach, describe, expect, it } from "vitest";
import {
  faultKey,
  faultRecord,
  killLeftoverServes,
  startServe,
  startStream,
  verifyDelivery,
  waitForEmptyQueue,
  waitForText,
  withVm,
  writeQueueConfig,
} from "./testing/fault-stream.ts";
import { finished, runCli } from "./testing/run-cli.ts";

// Crashes of VictoriaMetrics that lose what it acknowledged in its last seconds (1.79 keeps recent
// rows in memory for about a second or more), alone and together with crashes of the writer.
// Each test kills its own VictoriaMetrics; each ends by reading it back.
const dir = mkdtempSync(join(tmpdir(), "aw-crash-faults-"));

const config = (name: string, url: string) => writeQueueConfig(dir, name, url);

/** A small seeded generator, so that a failing run's random moments can be told and tried again. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** POST `count` fault records at once; their keys when acknowledged. */
async function postRecords(base: string, queryKey: string, from: number, count: number): Promise<string[]> {
  const records = Array.from({ length: count }, (_, i) => faultRecord(queryKey, from + i));
  const res = await httpSend(`${base}/api/v1/outputs`, { method: "POST", body: JSON.stringify(records) });
  expect(res.status).toBe(200);
  return records.map(faultKey);
}

afterEach(killLeftoverServes);

describe("durable delivery across repeated crashes", () => {
  it("A. VictoriaMetrics killed again right after each replay, three times at random moments: nothing acknowledged is missing", async () => {
    await withVm(async (vm) => {
      const seed = Date.now() % 100_000;
      const random = seeded(seed);
      const serve = await startServe(config("kills", vm.url), await freePort());
      const stderr = () => serve.child.output().stderr;
      const stream = startStream(() => serve.base, "f_kills");
      await sleep(1000 + random() * 1000);
      const downs: number[] = [];
      const replays = () => stderr().match(/sending again \d+ entries/g)?.length ?? 0;
      for (let kill = 1; kill <= 3; kill++) {
        vm.signal("SIGKILL");
        downs.push(Math.round(200 + random() * 1500));
        await sleep(downs.at(-1) ?? 0);
        const before = replays();
        await vm.restart();
        // Kill 2 comes as soon as the replay after kill 1 starts (it hits the replay); kill 3 at a random moment.
        if (kill === 1) await waitForText(stderr, /sending again \d+ entries/, before + 1);
        else await sleep(200 + random() * 1500);
      }
      await sleep(1000);
      await stream.stop();
      await waitForEmptyQueue(serve.base);
      const { missing } = await verifyDelivery(
        `3 VM kills (seed ${seed}, down ${downs.join("/")} ms)`,
        vm,
        "f_kills",
        stream.acknowledged,
      );
      serve.child.kill("SIGTERM");
      expect((await finished(serve.child)).code).toBe(0);
      expect(stderr()).not.toContain("MaxListenersExceededWarning");
      expect(stream.acknowledged.size).toBeGreaterThan(100);
      expect(missing).toEqual([]);
    });
  }, 90_000);

  it("B. VictoriaMetrics killed and back between two sends, with no failed request: the restart is seen on /metrics and the window sent again", async () => {
    await withVm(async (vm) => {
      const serve = await startServe(config("quiet", vm.url), await freePort());
      const acknowledged = new Set(await postRecords(serve.base, "f_quiet", 0, 300));
      await waitForEmptyQueue(serve.base);
      // Up for 2 s or more, so that the next one starts in another second (the start time has
      // whole seconds; a restart within the second it started is the README's known limit).
      for (
        const deadline = Date.now() + 10_000;
        Number(/^vm_app_uptime_seconds (\d+)/m.exec((await vm.request("/metrics")).body)?.[1] ?? 0) < 2;
      ) {
        if (Date.now() > deadline) throw new Error("VictoriaMetrics' uptime did not reach 2 s");
        await sleep(100);
      }
      vm.signal("SIGKILL");
      await vm.restart();
      await waitForText(() => serve.child.output().stderr, /sending again \d+ entries/);
      for (const key of await postRecords(serve.base, "f_quiet", 300, 300)) acknowledged.add(key);
      await waitForEmptyQueue(serve.base);
      const { missing } = await verifyDelivery("VM killed between sends", vm, "f_quiet", acknowledged);
      const metrics = await httpSend(`${serve.base}/metrics`);
      serve.child.kill("SIGTERM");
      await finished(serve.child);
      expect(metrics.body).toMatch(/anomaly_writer_queue_replayed_datapoints_total\{[^}]*\} [1-9]/);
      expect(missing).toEqual([]);
    });
  }, 60_000);

  it("C. the writer killed with SIGKILL, then VictoriaMetrics: the window kept on disk is sent again by the next serve", async () => {
    await withVm(async (vm) => {
      const cfg = config("both", vm.url);
      const port = await freePort();
      const first = await startServe(cfg, port);
      const stream = startStream(() => first.base, "f_both");
      await sleep(1500);
      await stream.stop();
      await waitForEmptyQueue(first.base);
      first.child.kill("SIGKILL");
      await finished(first.child);
      vm.signal("SIGKILL");
      await vm.restart();
      const second = await startServe(cfg, port);
      const stderr = () => second.child.output().stderr;
      await waitForText(stderr, /sending again \d+ entries/);
      await waitForEmptyQueue(second.base);
      const { missing } = await verifyDelivery("writer then VM SIGKILL", vm, "f_both", stream.acknowledged);
      second.child.kill("SIGTERM");
      await finished(second.child);
      expect(stderr()).toMatch(/sent ones \(\d+ bytes\) kept in case they must be sent again/);
      expect(stderr()).toMatch(/VictoriaMetrics restarted/);
      expect(missing).toEqual([]);
    });
  }, 60_000);

  it("D. a one-shot write that exited 0, then VictoriaMetrics killed: the next run sends the window again", async () => {
    await withVm(async (vm) => {
      const cfg = config("oneshot", vm.url);
      const records = Array.from({ length: 400 }, (_, i) => faultRecord("f_oneshot", i));
      const input = join(dir, "oneshot.jsonl");
      writeFileSync(input, records.map((r) => JSON.stringify(r)).join("\n"));
      const empty = join(dir, "empty.jsonl");
      writeFileSync(empty, "");
      const startedAt = async () => /^vm_app_start_timestamp (\d+)$/m.exec((await vm.request("/metrics")).body)?.[1];
      const first = await runCli(["write", "-c", cfg, "-i", input]);
      expect(first.code).toBe(0);
      const before = await startedAt();
      vm.signal("SIGKILL");
      await vm.restart();
      const after = await startedAt();
      // Killed within the second it started, VictoriaMetrics comes back with the same start time:
      // then its uptime tells that the window was sent to an earlier process.
      console.log(
        `[fault] one-shot write: VictoriaMetrics start time ${before} before the kill, ${after} after${before === after ? " (the same second)" : ""}`,
      );
      const second = await runCli(["write", "-c", cfg, "-i", empty]);
      expect(second.code).toBe(0);
      const { missing } = await verifyDelivery(
        "one-shot write, then VM SIGKILL",
        vm,
        "f_oneshot",
        new Set(records.map(faultKey)),
      );
      expect(second.stderr).toMatch(/sending again \d+ entries/);
      expect(missing).toEqual([]);
    });
  }, 60_000);
});
