import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, httpSend } from "@anomaly-writer/test-stack";
import { afterEach, describe, expect, it } from "vitest";
import {
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
import { finished, runCli, startCli } from "./testing/run-cli.ts";

// The queue's own disk and directory going wrong: full, shared by two writers, damaged.
const dir = mkdtempSync(join(tmpdir(), "aw-disk-faults-"));

const config = (name: string, url: string, queuePath: string, queueExtra = "", timeout = "500ms") =>
  writeQueueConfig(dir, name, url, { queuePath, queueExtra, timeout });

const segmentsIn = (path: string) =>
  readdirSync(path)
    .filter((f) => /^seg-\d+\.log$/.test(f))
    .sort();

/** Mount a tmpfs of `size` at a new directory; undefined (with the reason printed) where mounting is not permitted. */
function mountTmpfs(size: string): { path: string; unmount: () => void } | undefined {
  const path = mkdtempSync(join(dir, "tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path], { stdio: "pipe" });
  } catch (error) {
    console.warn(`SKIPPED: cannot mount a tmpfs for the full-disk test (${(error as Error).message.split("\n")[0]})`);
    return undefined;
  }
  // Lazily, so that a failed test's error is not hidden by a busy mount.
  return { path, unmount: () => execFileSync("umount", ["-l", path]) };
}

afterEach(killLeftoverServes);

describe("durable delivery when the queue's disk or directory goes wrong", () => {
  it("E. the queue's disk fills up (a real 1 MiB tmpfs): nothing acknowledged is lost, it drains on the full disk and takes data again once there is room", async (context) => {
    const tmpfs = mountTmpfs("1m");
    if (!tmpfs) return context.skip("mount -t tmpfs is not permitted here");
    const cleanup: (() => void)[] = [];
    try {
      await withVm(async (vm) => {
        const cfg = config("full", vm.url, join(tmpfs.path, "queue"), "    replay_window: 2s\n");
        const port = await freePort();
        const serve = await startServe(cfg, port);
        cleanup.push(() => serve.child.kill("SIGKILL"));
        const stderr = () => serve.child.output().stderr;
        vm.signal("SIGSTOP");
        const stream = startStream(() => serve.base, "f_full", { everyMs: 5, perPost: 40 });
        await waitForText(stderr, /the disk of .* is full/);
        await sleep(500); // refusals on the full disk go on for a while
        vm.signal("SIGCONT");
        await waitForText(stderr, /room on the disk of .* again/, 1, 45_000);
        await sleep(500);
        await stream.stop();
        await waitForEmptyQueue(serve.base);
        serve.child.kill("SIGTERM");
        expect((await finished(serve.child)).code).toBe(0);
        // After a restart, no acknowledged entry is taken for damaged.
        const again = await startServe(cfg, port);
        cleanup.push(() => again.child.kill("SIGKILL"));
        await waitForEmptyQueue(again.base);
        const { missing } = await verifyDelivery("queue disk full (tmpfs)", vm, "f_full", stream.acknowledged);
        again.child.kill("SIGTERM");
        await finished(again.child);
        console.log(`[fault] queue disk full: responses ${JSON.stringify(Object.fromEntries(stream.statuses))}`);
        expect(stream.statuses.get(429)).toBeGreaterThan(0);
        expect(again.child.output().stderr).not.toMatch(/torn|damaged|cannot be sent/);
        expect(stderr()).not.toContain("MaxListenersExceededWarning");
        expect(missing).toEqual([]);
      });
    } finally {
      for (const kill of cleanup) kill();
      tmpfs.unmount();
    }
  }, 120_000);

  it("F. two writers on one queue directory: the second serve and a write are refused at start, naming the holder; nothing is lost or doubled", async () => {
    await withVm(async (vm) => {
      // The default timeout: a 500 ms one can expire on a busy machine, and the replay after it would double points.
      const cfg = config("two", vm.url, join(dir, "queue-two"), "", "5s");
      const first = await startServe(cfg, await freePort());
      const stream = startStream(() => first.base, "f_two");
      const holder = `in use by pid ${first.child.pid} on host ${hostname()}`;
      const second = startCli(["serve", "-c", cfg, "--listen", `127.0.0.1:${await freePort()}`]);
      const refused = await finished(second, 20_000);
      const input = join(dir, "two.jsonl");
      const records = Array.from({ length: 50 }, (_, i) => faultRecord("f_two_write", i));
      writeFileSync(input, records.map((r) => JSON.stringify(r)).join("\n"));
      const write = await runCli(["write", "-c", cfg, "-i", input]);
      await sleep(500);
      await stream.stop();
      await waitForEmptyQueue(first.base);
      const { missing, duplicates } = await verifyDelivery("two writers", vm, "f_two", stream.acknowledged);
      first.child.kill("SIGTERM");
      await finished(first.child);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(holder);
      expect(write.code).not.toBe(0);
      expect(write.stderr).toContain(holder);
      expect(await vm.exportSeries('{for="f_two_write"}')).toEqual([]);
      expect(duplicates).toBe(0);
      expect(missing).toEqual([]);
    });
  }, 60_000);

  it("G. one unreadable segment, then one deleted in the middle: /health says which and nothing is taken, until the files are back; then everything is delivered", async () => {
    await withVm(async (vm) => {
      const queuePath = join(dir, "queue-damaged");
      const cfg = config("damaged", vm.url, queuePath, "    max_size: 4MiB\n");
      const port = await freePort();
      await vm.stop({ keepData: true });
      const first = await startServe(cfg, port);
      const stream = startStream(() => first.base, "f_damaged", { everyMs: 2, perPost: 200 });
      for (const deadline = Date.now() + 30_000; segmentsIn(queuePath).length < 3; await sleep(100)) {
        if (Date.now() > deadline)
          throw new Error(
            `the queue has ${segmentsIn(queuePath).length} segments; responses ${JSON.stringify(Object.fromEntries(stream.statuses))}`,
          );
      }
      await stream.stop();
      first.child.kill("SIGTERM");
      await finished(first.child);
      const [s0, s1, s2] = segmentsIn(queuePath);
      const aside = join(dir, "aside.log");
      const refusedWith = async (problem: string) => {
        const serve = await startServe(cfg, port, { anyHealth: true });
        const health = await httpSend(`${serve.base}/health`);
        const post = await httpSend(`${serve.base}/api/v1/outputs`, {
          method: "POST",
          body: JSON.stringify(faultRecord("f_damaged_refused", 0)),
        });
        serve.child.kill("SIGTERM");
        await finished(serve.child);
        expect(health.status).toBe(503);
        expect(health.body).toContain(problem);
        expect(post.status).toBe(503);
        expect(post.body).toContain(problem);
        expect(serve.child.output().stderr).toContain(problem);
      };
      // Unreadable (as root, permissions do not stop a read: a directory in its place does).
      renameSync(join(queuePath, s1 ?? ""), aside);
      mkdirSync(join(queuePath, s1 ?? ""));
      await refusedWith(`${s1} cannot be read (EISDIR)`);
      rmSync(join(queuePath, s1 ?? ""), { recursive: true });
      renameSync(aside, join(queuePath, s1 ?? ""));
      // Deleted in the middle.
      renameSync(join(queuePath, s1 ?? ""), aside);
      await refusedWith(`${s1} missing between ${s0} and ${s2}`);
      renameSync(aside, join(queuePath, s1 ?? ""));
      await vm.restart();
      const fixed = await startServe(cfg, port);
      await waitForEmptyQueue(fixed.base);
      const { missing } = await verifyDelivery("damaged segments, then restored", vm, "f_damaged", stream.acknowledged);
      fixed.child.kill("SIGTERM");
      await finished(fixed.child);
      expect(await vm.exportSeries('{for="f_damaged_refused"}')).toEqual([]);
      expect(stream.acknowledged.size).toBeGreaterThan(1000);
      expect(missing).toEqual([]);
    });
  }, 90_000);
});
