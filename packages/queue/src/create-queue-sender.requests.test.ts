import { describe, expect, it } from "vitest";
import { abortableSleep } from "./abortable-wait.ts";
import { createQueueSender } from "./create-queue-sender.ts";
import { cleanUpQueues, Failure, queueWith } from "./testing/sender-fixtures.ts";

cleanUpQueues();

describe("createQueueSender: requests (merging, caps, in flight)", () => {
  it("merges consecutive entries into one request up to maxBatchBytes, in order", async () => {
    const queue = await queueWith(
      Array.from({ length: 10 }, (_, i) => `e${i}-${"x".repeat(1000)}`),
      false,
    );
    const requests: string[][] = [];
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 4000,
      send: async (entries) => void requests.push(entries.map((e) => e.body.toString().split("-")[0] ?? "")),
      classify: () => "retry",
      deadLetter: async () => undefined,
    });
    expect(await sender.drain()).toEqual({ sent: 10, remaining: 0 });
    expect(requests.flat()).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
    expect(requests.length).toBeLessThan(5);
    expect(Math.max(...requests.map((r) => r.length))).toBeGreaterThan(1);
    await queue.close();
  });

  it("merges only neighbours of the same mergeKey, in order", async () => {
    const queue = await queueWith(["j1", "j2", "p1", "p2", "p3", "j3", "p4"]);
    const requests: string[][] = [];
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 1 << 20,
      mergeKey: (entry) => String(entry.meta.body).slice(0, 1),
      send: async (entries) => void requests.push(entries.map((e) => e.body.toString())),
      classify: () => "retry",
      deadLetter: async () => undefined,
    });
    expect(await sender.drain()).toEqual({ sent: 7, remaining: 0 });
    expect(requests).toEqual([["j1", "j2"], ["p1", "p2", "p3"], ["j3"], ["p4"]]);
    await queue.close();
  });

  it("reads each entry once when the merge key changes entry by entry: a step sends all it read, maxInFlight at a time", async () => {
    const bodies = Array.from({ length: 200 }, (_, i) => `${i % 2 === 0 ? "j" : "p"}${i}`);
    const queue = await queueWith(bodies);
    const peek = queue.peek.bind(queue);
    let read = 0;
    queue.peek = async (peekOptions) => {
      const entries = await peek(peekOptions);
      read += entries.length;
      return entries;
    };
    const sent: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 1 << 20,
      maxInFlight: 4,
      mergeKey: (entry) => String(entry.meta.body).slice(0, 1),
      send: async (entries) => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await abortableSleep(1, new AbortController().signal);
        inFlight--;
        sent.push(...entries.map((e) => e.body.toString()));
      },
      classify: () => "retry",
      deadLetter: async () => undefined,
    });
    expect(await sender.drain()).toEqual({ sent: 200, remaining: 0 });
    expect(sent).toEqual(bodies);
    expect(mostInFlight).toBe(4);
    // Each of the 200 entries once (before: the whole queue again for every 4 entries sent, 5,100 reads).
    expect(read).toBe(200);
    await queue.close();
  });

  it("caps the requests of one merge key at maxBatchBytesOf, and the others at maxBatchBytes", async () => {
    const queue = await queueWith(["r1", "r2", "r3", "r4", "r5", "j1", "j2", "j3", "j4", "j5"]);
    const [first] = await queue.peek({ maxEntries: 1 });
    const entryBytes = first?.bytes ?? 0;
    const requests: string[][] = [];
    const sender = createQueueSender({
      queue,
      maxBatchBytes: 1 << 20,
      mergeKey: (entry) => String(entry.meta.body).slice(0, 1),
      // Room for two entries of the "r" format (like remote write's 4 MiB under a larger batch_max_bytes).
      maxBatchBytesOf: (key) => (key === "r" ? 2 * entryBytes : undefined),
      send: async (entries) => void requests.push(entries.map((e) => e.body.toString())),
      classify: () => "retry",
      deadLetter: async () => undefined,
    });
    expect(await sender.drain()).toEqual({ sent: 10, remaining: 0 });
    expect(requests).toEqual([["r1", "r2"], ["r3", "r4"], ["r5"], ["j1", "j2", "j3", "j4", "j5"]]);
    await queue.close();
  });

  it("keeps maxInFlight requests in flight, marks them sent in queue order, and sends again what follows a failure", async () => {
    const queue = await queueWith(["a", "b", "c", "d", "e", "f", "g"]);
    const started: string[] = [];
    const delivered: string[] = [];
    let inFlight = 0;
    let most = 0;
    let dFailed = false;
    const sender = createQueueSender({
      queue,
      maxInFlight: 3,
      // A step starts all its requests before any of them settles: they overlap.
      send: async ([entry]) => {
        const body = String(entry?.body);
        started.push(body);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        if (body === "d" && !dFailed) {
          dFailed = true;
          throw new Failure("retry");
        }
        delivered.push(body);
      },
      classify: (e) => (e as Failure).action,
      deadLetter: async () => undefined,
      sleep: async () => undefined,
    });
    const result = await sender.drain({ maxFailures: 5 });
    expect(most).toBe(3);
    expect(result).toEqual({ sent: 7, remaining: 0 });
    // a b c together; then d (fails) e f: e and f were delivered but not marked, so they go again.
    expect(started.slice(0, 6)).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(new Set(delivered)).toEqual(new Set(["a", "b", "c", "d", "e", "f", "g"]));
    expect(delivered.filter((b) => b === "e")).toHaveLength(2);
    expect(queue.stats().pendingEntries).toBe(0);
    await queue.close();
  });

  it("sends one request at a time with a rate limit, whatever maxInFlight says", async () => {
    const queue = await queueWith(["a", "b", "c"]);
    let inFlight = 0;
    let most = 0;
    const sender = createQueueSender({
      queue,
      maxInFlight: 4,
      rateLimitBytesPerSecond: 1 << 20,
      send: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await Promise.resolve();
        inFlight--;
      },
      classify: () => "retry",
      deadLetter: async () => undefined,
    });
    expect(await sender.drain()).toEqual({ sent: 3, remaining: 0 });
    expect(most).toBe(1);
    await queue.close();
  });
});
