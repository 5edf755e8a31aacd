import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, startNginx } from "@anomaly-writer/test-stack";
import { afterEach, describe, expect, it } from "vitest";
import {
  killLeftoverServes,
  startServe,
  startStream,
  verifyDelivery,
  waitForEmptyQueue,
  waitForText,
  withVm,
  writeQueueConfig,
} from "./testing/fault-stream.ts";
import { finished } from "./testing/run-cli.ts";

// How delivery comes back after an outage: at the configured rate, and soon.
const dir = mkdtempSync(join(tmpdir(), "aw-recovery-"));

const config = (name: string, url: string, queueExtra = "") => writeQueueConfig(dir, name, url, { queueExtra });

/**
 * The most bytes sent beyond `rate` over any span of requests: for request i < j (sent one after
 * another), the bytes of i+1..j against rate × (time of j − time of i). A token bucket of one
 * second keeps this under one second's worth (plus request headers).
 */
function excessOverRate(requests: readonly { at: number; bytes: number }[], rate: number): number {
  let worst = 0;
  for (let i = 0; i < requests.length; i++) {
    let bytes = 0;
    for (let j = i + 1; j < requests.length; j++) {
      bytes += requests[j]?.bytes ?? 0;
      worst = Math.max(worst, bytes - rate * ((requests[j]?.at ?? 0) - (requests[i]?.at ?? 0)));
    }
  }
  return worst;
}

afterEach(killLeftoverServes);

describe("recovery after an outage", () => {
  it("H. catch-up and the replay of the window after a crash keep to rate_limit", async () => {
    await withVm(async (vm) => {
      const timedLog = join(dir, "timed.log");
      const proxy = await startNginx({
        upstream: vm.url,
        extraHttpConfig: `log_format timed '$msec $request_method $status $request_length'; access_log ${timedLog} timed;`,
      });
      try {
        const rate = 32 * 1024;
        const serve = await startServe(config("rate", proxy.url, "    rate_limit: 32KiB\n"), await freePort());
        const stderr = () => serve.child.output().stderr;
        // About 120 KB offered as fast as serve takes it: a backlog the limit must spread out.
        const stream = startStream(() => serve.base, "f_rate", { everyMs: 5, perPost: 20 });
        for (const deadline = Date.now() + 20_000; stream.acknowledged.size < 800 && Date.now() < deadline; )
          await sleep(20);
        await stream.stop();
        await sleep(1000);
        vm.signal("SIGKILL");
        await vm.restart();
        await waitForText(stderr, /sending again \d+ entries/);
        await waitForEmptyQueue(serve.base);
        const { missing } = await verifyDelivery("rate_limit 32KiB with a replay", vm, "f_rate", stream.acknowledged);
        serve.child.kill("SIGTERM");
        await finished(serve.child);
        const posts = readFileSync(timedLog, "utf8")
          .split("\n")
          .map((line) => line.split(" "))
          .filter((f) => f[1] === "POST" && f[2] === "204")
          .map((f) => ({ at: Number(f[0]), bytes: Number(f[3]) }));
        const total = posts.reduce((n, p) => n + p.bytes, 0);
        const excess = excessOverRate(posts, rate);
        console.log(
          `[fault] rate_limit ${rate} B/s: ${posts.length} requests, ${total} bytes over ${((posts.at(-1)?.at ?? 0) - (posts[0]?.at ?? 0)).toFixed(1)} s; most beyond the rate over any span: ${Math.round(excess)} bytes`,
        );
        expect(total).toBeGreaterThan(3 * rate);
        // One second of burst, plus the requests' headers and meta lines.
        expect(excess).toBeLessThan(rate * 1.1 + 300 * posts.length);
        expect(missing).toEqual([]);
      } finally {
        await proxy.stop();
      }
    });
  }, 90_000);

  it("I. delivery resumes within seconds of VictoriaMetrics coming back, not when a long backoff ends", async () => {
    await withVm(async (vm) => {
      const serve = await startServe(config("resume", vm.url), await freePort());
      const stderr = () => serve.child.output().stderr;
      const stream = startStream(() => serve.base, "f_resume");
      await sleep(500);
      vm.signal("SIGKILL");
      // Down long enough for the sender's backoff to reach 8 s (1, 2, 4, 8 s after the first failure).
      await sleep(9000);
      await vm.restart();
      const back = Date.now();
      await waitForText(
        stderr,
        /answers its health check again: sending now instead of waiting out a [\d.]+ s backoff/,
      );
      const resumedAfter = Date.now() - back;
      await stream.stop();
      await waitForEmptyQueue(serve.base);
      const { missing } = await verifyDelivery("resume after a 9 s outage", vm, "f_resume", stream.acknowledged);
      serve.child.kill("SIGTERM");
      await finished(serve.child);
      console.log(
        `[fault] resume after a 9 s outage: sending again ${(resumedAfter / 1000).toFixed(1)} s after VictoriaMetrics answered; ${stderr().match(/instead of waiting out a [\d.]+ s backoff/)?.[0]}`,
      );
      expect(missing).toEqual([]);
    });
  }, 60_000);
});
