import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { abortableSleep } from "./abortable-wait.ts";
import { createQueueSender } from "./create-queue-sender.ts";
import { cleanUpQueues, Failure, queueWith } from "./testing/sender-fixtures.ts";

cleanUpQueues();

describe("createQueueSender", () => {
  it("retries transient failures with a doubling backoff, then sends in order", async () => {
    const queue = await queueWith(["a", "b"]);
    const delays: number[] = [];
    const sent: string[] = [];
    let failuresLeft = 3;
    const sender = createQueueSender({
      queue,
      send: async ([entry]) => {
        if (failuresLeft-- > 0) throw new Failure("retry");
        sent.push(String(entry?.body));
      },
      classify: (e) => (e as Failure).action,
      deadLetter: async () => undefined,
      sleep: async (ms) => void delays.push(ms),
      random: () => 0,
    });
    const result = await sender.drain({ maxFailures: 10 });
    expect(result).toEqual({ sent: 2, remaining: 0 });
    expect(sent).toEqual(["a", "b"]);
    expect(delays).toEqual([1000, 2000, 4000]);
    await queue.close();
  });

  it("dead-letters permanent failures and goes on", async () => {
    const queue = await queueWith(["good1", "bad", "good2"]);
    const dead: string[] = [];
    const sent: string[] = [];
    const sender = createQueueSender({
      queue,
      send: async ([entry]) => {
        if (String(entry?.body) === "bad") throw new Failure("dead");
        sent.push(String(entry?.body));
      },
      classify: (e) => (e as Failure).action,
      deadLetter: async (entry) => void dead.push(entry.body.toString()),
      sleep: async () => undefined,
    });
    expect(await sender.drain()).toEqual({ sent: 2, remaining: 0 });
    expect(dead).toEqual(["bad"]);
    expect(sent).toEqual(["good1", "good2"]);
    await queue.close();
  });

  it("keeps the entry and pauses when credentials are refused", async () => {
    const queue = await queueWith(["a"]);
    const pauses: number[] = [];
    const sender = createQueueSender({
      queue,
      send: async () => {
        throw new Failure("stop");
      },
      classify: (e) => (e as Failure).action,
      deadLetter: async () => undefined,
      stopPauseMs: 30_000,
      sleep: async (ms) => void pauses.push(ms),
    });
    expect(await sender.drain({ maxFailures: 2 })).toEqual({ sent: 0, remaining: 1 });
    expect(sender.credentialsRefused).toBe(true);
    expect(pauses).toEqual([30_000]); // no pause after the last allowed failure
    await queue.close();
  });

  it("limits the catch-up rate", async () => {
    const queue = await queueWith(
      Array.from({ length: 5 }, () => "x".repeat(1000)),
      false,
    );
    let clock = 0;
    const waits: number[] = [];
    const sender = createQueueSender({
      queue,
      send: async () => undefined,
      classify: () => "retry",
      deadLetter: async () => undefined,
      rateLimitBytesPerSecond: 2000,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    await sender.drain();
    // ~1 KB entries at 2 KB/s: after the first burst, about half a second per entry.
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(1500);
    expect(total).toBeLessThan(3000);
    await queue.close();
  });

  it("charges the rate limit for the entries sent, not for the neighbours of another key it peeked at", async () => {
    // Keys alternate: each request is one entry, though each peek reads three.
    const queue = await queueWith(
      ["a", "b", "a", "b"].map((key) => key + "x".repeat(2999)),
      false,
    );
    let clock = 0;
    let waited = 0;
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 10_000,
      mergeKey: (entry) => String(entry.body).slice(0, 1),
      send: async () => undefined,
      classify: () => "retry",
      deadLetter: async () => undefined,
      rateLimitBytesPerSecond: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        waited += ms;
        clock += ms;
      },
    });
    expect(await sender.drain()).toEqual({ sent: 4, remaining: 0 });
    // 12,000 bytes sent at 10,000 B/s with a first second's worth in hand: about 0.2 s of waiting.
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(500);
    await queue.close();
  });

  it("drains in the background as entries arrive and stops cleanly", async () => {
    const queue = await queueWith([]);
    const sent: string[] = [];
    const sender = createQueueSender({
      queue,
      send: async ([e]) => void sent.push(String(e?.body)),
      classify: () => "retry",
      deadLetter: async () => undefined,
    });
    sender.start();
    await queue.append([{ meta: {}, body: "late" }]);
    for (let i = 0; i < 100 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await sender.stop();
    expect(sent).toEqual(["late"]);
    await queue.close();
  });

  it("splits a merged request refused for good, to dead-letter only the bad entry", async () => {
    const queue = await queueWith(["good1", "good2", "bad", "good3"]);
    const dead: string[] = [];
    const sent: string[] = [];
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 1 << 20,
      send: async (entries) => {
        if (entries.some((e) => e.body.toString() === "bad")) throw new Failure("dead");
        sent.push(...entries.map((e) => e.body.toString()));
      },
      classify: (e) => (e as Failure).action,
      deadLetter: async (entry) => void dead.push(entry.body.toString()),
    });
    expect(await sender.drain()).toEqual({ sent: 3, remaining: 0 });
    expect(dead).toEqual(["bad"]);
    expect(sent).toEqual(["good1", "good2", "good3"]);
    await queue.close();
  });

  it("holds replays to the rate limit as well: what a rewind sends again is charged like the rest", async () => {
    const queue = await queueWith(
      Array.from({ length: 6 }, () => "r".repeat(1000)),
      false,
    );
    let clock = 0;
    let slept = 0;
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 1 << 20,
      send: async () => undefined,
      classify: () => "retry",
      deadLetter: async () => undefined,
      rateLimitBytesPerSecond: 2000,
      now: () => clock,
      sleep: async (ms) => {
        slept += ms;
        clock += ms;
      },
    });
    await sender.drain();
    const first = slept;
    const bytes = queue.stats().windowBytes;
    expect(await queue.rewind()).toMatchObject({ entries: 6 });
    await sender.drain();
    // The replay of the 6 KB window at 2 KB/s waits about 3 s of (injected) time, on top of the first pass.
    expect(slept - first).toBeGreaterThanOrEqual(((bytes - 2000) / 2000) * 1000);
    await queue.close();
  });

  it("adds no listener per wait: a long-lived signal sees many idle waits and backoffs, and keeps at most one", async () => {
    const queue = await queueWith([]);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    let fail = true;
    let sent = 0;
    let senderSignal: AbortSignal | undefined;
    const controller = new AbortController();
    const sender = createQueueSender({
      queue,
      send: async () => {
        fail = !fail;
        if (fail) throw new Failure("retry");
        sent++;
      },
      classify: () => "retry",
      deadLetter: async () => undefined,
      baseDelayMs: 0,
      maxDelayMs: 0,
      // The real sleep, watching the sender's own signal.
      sleep: (ms, signal) => {
        senderSignal = signal;
        return abortableSleep(ms, signal);
      },
    });
    sender.start();
    for (let i = 0; i < 300; i++) {
      await queue.append([{ meta: {}, body: `n${i}` }]);
      while (sent <= i) await new Promise((r) => setImmediate(r));
      await queue.waitForSpace(1, controller.signal);
      await Promise.race([queue.waitForEntry(controller.signal), new Promise((r) => setImmediate(r))]);
    }
    expect(senderSignal).toBeDefined();
    expect(getEventListeners(senderSignal as AbortSignal, "abort").length).toBeLessThanOrEqual(2);
    await sender.stop();
    expect(getEventListeners(controller.signal, "abort").length).toBeLessThanOrEqual(1);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    process.off("warning", onWarning);
    await queue.close();
  });
});
