import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  freePort,
  httpSend,
  startNginx,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deadLetterKeys,
  faultRecord,
  startServe,
  startStream,
  verifyDelivery,
  waitForEmptyQueue,
  waitForMoreAcknowledged,
  waitForText,
  writeQueueConfig,
} from "./testing/fault-stream.ts";
import { finished, runCli } from "./testing/run-cli.ts";

// Fault tests of the durable queue: real processes, bounded in time, each ends by reading
// VictoriaMetrics back and comparing with what `serve` acknowledged.
const dir = mkdtempSync(join(tmpdir(), "aw-faults-"));
let vm: VictoriaMetricsServer;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
});
afterAll(async () => {
  await vm?.stop();
});

const config = (name: string, url: string, queueExtra = "") => writeQueueConfig(dir, name, url, { queueExtra });

describe("durable delivery under faults", () => {
  it("1. VictoriaMetrics killed with SIGKILL mid-stream, restarted later: nothing acknowledged is missing", async () => {
    // A test that kills VictoriaMetrics has its own.
    const own = await startVictoriaMetrics();
    try {
      const port = await freePort();
      const serve = await startServe(config("vm-kill", own.url), port);
      const stream = startStream(() => serve.base, "f_kill");
      await waitForMoreAcknowledged(stream, 200);
      own.signal("SIGKILL");
      // Down long enough for the sender to back off and for many records to be acknowledged into the queue.
      await waitForText(() => serve.child.output().stderr, /cannot write to .* \(code connection_error\)/);
      await waitForMoreAcknowledged(stream, 500);
      await own.restart();
      await waitForMoreAcknowledged(stream, 100);
      await stream.stop();
      await waitForEmptyQueue(serve.base);
      const { missing } = await verifyDelivery("VM SIGKILL", own, "f_kill", stream.acknowledged);
      serve.child.kill("SIGTERM");
      expect((await finished(serve.child)).code).toBe(0);
      expect(stream.acknowledged.size).toBeGreaterThan(100);
      expect(missing).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 90_000);

  it("2. VictoriaMetrics frozen with SIGSTOP past the timeouts, then resumed", async () => {
    const own = await startVictoriaMetrics();
    try {
      const port = await freePort();
      const serve = await startServe(config("vm-stop", own.url), port);
      const stream = startStream(() => serve.base, "f_stop");
      await waitForMoreAcknowledged(stream, 100);
      own.signal("SIGSTOP");
      // Frozen until a request timed out (timeout: 500ms) while records are still acknowledged.
      await waitForText(() => serve.child.output().stderr, /timeout/);
      await waitForMoreAcknowledged(stream, 100);
      own.signal("SIGCONT");
      await waitForMoreAcknowledged(stream, 100);
      await stream.stop();
      await waitForEmptyQueue(serve.base);
      const { missing } = await verifyDelivery("VM SIGSTOP", own, "f_stop", stream.acknowledged);
      serve.child.kill("SIGTERM");
      await finished(serve.child);
      expect(missing).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it("3. the writer killed with SIGKILL mid-stream, restarted: the queue resumes", async () => {
    const own = await startVictoriaMetrics();
    try {
      const port = await freePort();
      const cfg = config("writer-kill", own.url);
      const first = await startServe(cfg, port);
      let base = first.base;
      const stream = startStream(() => base, "f_wkill");
      await waitForMoreAcknowledged(stream, 50);
      own.signal("SIGSTOP"); // so that acknowledged data is still in the queue when the writer dies
      await waitForMoreAcknowledged(stream, 150);
      first.child.kill("SIGKILL");
      await finished(first.child);
      own.signal("SIGCONT");
      const second = await startServe(cfg, port);
      base = second.base;
      await waitForMoreAcknowledged(stream, 50);
      await stream.stop();
      await waitForEmptyQueue(second.base);
      const { missing } = await verifyDelivery("writer SIGKILL", own, "f_wkill", stream.acknowledged);
      second.child.kill("SIGTERM");
      await finished(second.child);
      expect(second.child.output().stderr).toMatch(/pending from an earlier run/);
      expect(missing).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it("4. a proxy injecting 503/429 bursts and 400 for some bodies: retried, dead-lettered, never lost", async () => {
    const proxy = await startNginx({
      upstream: vm.url,
      // 503/429 at random (bursts); 400 for the bodies whose length ends in 7: a bad body stays bad on retry.
      extraHttpConfig:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an nginx variable, not a template
        'split_clients "${request_id}" $fault { 8% "503"; 5% "429"; * "ok"; } map $content_length $bad_body { ~7$ "1"; default "0"; }',
      extraServerConfig:
        'if ($fault = "503") { return 503 "injected"; } if ($fault = "429") { return 429 "injected"; } if ($bad_body = "1") { return 400 "injected bad request"; }',
    });
    try {
      const port = await freePort();
      const serve = await startServe(config("proxy-faults", proxy.url), port);
      // Varying sizes, so that some bodies have a length ending in 7.
      const stream = startStream(() => serve.base, "f_proxy", { everyMs: 25, perPost: (post) => 3 + (post % 13) });
      // Catch-up merges entries into fewer requests, so run until each fault was met (a 400 that
      // split a merged request down to the bad entry, dead-lettered) and at least 300 records went in.
      const deadLetters = join(dir, "queue-proxy-faults", "dead-letters.jsonl");
      const met = () =>
        ["503", "429"].every((code) => proxy.accessLog().some((l) => l.split(" ")[2] === code)) &&
        deadLetterKeys(deadLetters).size > 0;
      await waitForMoreAcknowledged(stream, 300);
      for (const deadline = Date.now() + 30_000; !met() && Date.now() < deadline; ) await sleep(200);
      await stream.stop();
      await waitForEmptyQueue(serve.base, 75_000).catch((error: Error) => {
        throw new Error(`${error.message}; serve said:\n${serve.child.output().stderr.slice(-3000)}`);
      });
      const dead = deadLetterKeys(deadLetters);
      const { missing } = await verifyDelivery("proxy 503/429/400", vm, "f_proxy", stream.acknowledged, dead);
      serve.child.kill("SIGTERM");
      await finished(serve.child);
      const statuses = proxy.accessLog().map((l) => l.split(" ")[2]);
      expect(statuses).toContain("503");
      expect(statuses).toContain("429");
      expect(statuses).toContain("400");
      expect(dead.size).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it("5. queue cap reached: clients get 429, nothing acknowledged is dropped", async () => {
    const own = await startVictoriaMetrics();
    try {
      const port = await freePort();
      const serve = await startServe(config("cap", own.url, "    max_size: 256KiB\n"), port);
      own.signal("SIGSTOP");
      const stream = startStream(() => serve.base, "f_cap", { everyMs: 5, perPost: 50 });
      const deadline = Date.now() + 20_000;
      while (!stream.statuses.has(429) && Date.now() < deadline) await sleep(50);
      await stream.stop();
      own.signal("SIGCONT");
      await waitForEmptyQueue(serve.base);
      const { missing } = await verifyDelivery("queue cap", own, "f_cap", stream.acknowledged);
      serve.child.kill("SIGTERM");
      await finished(serve.child);
      console.log(`[fault] queue cap: responses ${JSON.stringify(Object.fromEntries(stream.statuses))}`);
      expect(stream.statuses.get(429)).toBeGreaterThan(0);
      expect(stream.acknowledged.size).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it("6. fuzzed input to serve and write: never a crash, a clear error per bad record, good records still written", async () => {
    const port = await freePort();
    const serve = await startServe(config("fuzz", vm.url), port);
    const goodKeys = new Set<string>();
    let n = 0;
    const bad = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
      fc.constantFrom('{"query_key":"x","labels":', "[1,2", "{", '{"query_key": 5}', "null", "[]", '"text"'),
      fc
        .record({
          query_key: fc.oneof(fc.string(), fc.integer()),
          labels: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
          timestamps: fc.array(fc.oneof(fc.integer(), fc.double())),
          outputs: fc.dictionary(fc.string(), fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string()))),
        })
        .map((r) => JSON.stringify(r)),
      fc
        .string({ minLength: 5000, maxLength: 20_000 })
        .map((huge) =>
          JSON.stringify({ ...faultRecord("f_fuzz_bad", 0), labels: { [huge.slice(0, 300) || "k"]: huge } }),
        ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(bad, fc.constant("GOOD")), { minLength: 1, maxLength: 12 }), async (lines) => {
        const body = lines
          .map((line) => {
            if (line !== "GOOD") return line.replace(/\n/g, " ");
            const record = faultRecord("f_fuzz", n++);
            goodKeys.add(`${record.labels.instance}@${record.timestamps[0]}=${record.outputs.anomaly_score[0]}`);
            return JSON.stringify(record);
          })
          .join("\n");
        const res = await httpSend(`${serve.base}/api/v1/outputs`, { method: "POST", body });
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(JSON.parse(res.body)).toHaveProperty("errors");
      }),
      { numRuns: 60 },
    );
    expect(serve.child.exitCode).toBeNull();
    // The same kind of input through `write`: exit 1, an error per bad line, the good lines written.
    const file = join(dir, "fuzz.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify(faultRecord("f_fuzz_cli", 1)),
        "\u0000\u0001garbage",
        '{"query_key":',
        JSON.stringify({ ...faultRecord("f_fuzz_cli", 2), timestamps: ["x"] }),
        JSON.stringify(faultRecord("f_fuzz_cli", 3)),
      ].join("\n"),
    );
    const cfg = join(dir, "fuzz-write.yml");
    writeFileSync(cfg, `writer:\n  datasource_url: ${vm.url}\n`);
    const run = await runCli(["write", "-c", cfg, "-i", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} line 2: not valid JSON`);
    expect(run.stderr).toContain(`${file} line 3: not valid JSON`);
    expect(run.stderr).toContain(`${file} line 4: timestamps[0]`);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await waitForEmptyQueue(serve.base);
    const { missing } = await verifyDelivery("fuzz (serve)", vm, "f_fuzz", goodKeys);
    expect(missing).toEqual([]);
    expect((await vm.exportSeries('{for="f_fuzz_cli"}')).map((s) => s.metric.instance)).toEqual(["r1", "r3"]);
    serve.child.kill("SIGTERM");
    await finished(serve.child);
  }, 90_000);
});
