import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createDurableQueue, type DurableQueue } from "./create-durable-queue.ts";

const dirs: string[] = [];
async function newDir() {
  const dir = await mkdtemp(join(tmpdir(), "aw-queue-test-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function memoryLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: { warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`) },
  };
}

/** Send one entry: mark it sent and release it at once (no replay window). */
async function ack(queue: DurableQueue): Promise<void> {
  const entries = await queue.peek();
  await queue.markSent(entries, { sentAt: 1, tag: 0 });
  await queue.release(1);
}

async function drainAll(queue: DurableQueue): Promise<string[]> {
  const out: string[] = [];
  for (let [entry] = await queue.peek(); entry; [entry] = await queue.peek()) {
    out.push(entry.body.toString());
    await ack(queue);
  }
  return out;
}

const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith("seg-"))
    .sort();

describe("createDurableQueue", () => {
  it("keeps pending entries across a reopen, in order, with their meta", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20, now: () => 1234 });
    await q1.append([
      { meta: { q: "a", n: 1 }, body: "one" },
      { meta: { q: "a", n: 2 }, body: "two" },
    ]);
    await q1.append([{ meta: { q: "b", n: 3 }, body: Buffer.from("three") }]);
    await q1.close();
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect(q2.stats().pendingEntries).toBe(3);
    const [first] = await q2.peek();
    expect(first?.meta).toEqual({ q: "a", n: 1 });
    expect(first?.enqueuedAt).toBe(1234);
    expect(await drainAll(q2)).toEqual(["one", "two", "three"]);
    await q2.close();
  });

  it("resumes after the last acknowledged entry", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await q1.append(["a", "b", "c"].map((body) => ({ meta: {}, body })));
    await ack(q1);
    await q1.close();
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect(await drainAll(q2)).toEqual(["b", "c"]);
    await q2.close();
    const q3 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect(q3.stats()).toMatchObject({ pendingEntries: 0, pendingBytes: 0 });
    await q3.close();
  });

  it("cuts a torn last entry off with a log line and keeps the rest usable", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    for (const body of ["first", "second", "third"]) await q1.append([{ meta: {}, body }]);
    await q1.close();
    const [segment] = segmentFiles(dir);
    const path = join(dir, segment ?? "");
    truncateSync(path, statSync(path).size - 3); // a crash in the middle of the last write
    const { lines, logger } = memoryLogger();
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20, logger });
    expect(lines.some((l) => l.startsWith("warn [queue] torn last entry"))).toBe(true);
    await q2.append([{ meta: {}, body: "fourth" }]);
    await q2.close();
    const q3 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect(await drainAll(q3)).toEqual(["first", "second", "fourth"]);
    await q3.close();
  });

  it("skips damage in the middle without losing the entries after it", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    for (const body of ["alpha-alpha", "bravo-bravo", "charlie-charlie"]) await q1.append([{ meta: {}, body }]);
    await q1.close();
    const path = join(dir, segmentFiles(dir)[0] ?? "");
    const bytes = readFileSync(path);
    const at = bytes.indexOf("bravo-bravo") + 2;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const { lines, logger } = memoryLogger();
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20, logger });
    // A payload that no longer matches its CRC is found when it is read to be sent.
    expect(await drainAll(q2)).toEqual(["alpha-alpha", "charlie-charlie"]);
    expect(lines.some((l) => l.includes("cannot be sent: its bytes no longer match their CRC"))).toBe(true);
    await q2.close();
  });

  it("scans past a damaged header in the middle at open, keeping the entries after it", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    for (const body of ["alpha-alpha", "bravo-bravo", "charlie-charlie"]) await q1.append([{ meta: {}, body }]);
    await q1.close();
    const path = join(dir, segmentFiles(dir)[0] ?? "");
    const bytes = readFileSync(path);
    const frame = bytes.lastIndexOf(Buffer.from("AWQ1"), bytes.indexOf("bravo-bravo"));
    bytes[frame] = 0;
    writeFileSync(path, bytes);
    const { lines, logger } = memoryLogger();
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20, logger });
    expect(
      lines.some((l) => l.startsWith(`warn [queue] damaged data in ${segmentFiles(dir)[0]} at byte ${frame}`)),
    ).toBe(true);
    expect(await drainAll(q2)).toEqual(["alpha-alpha", "charlie-charlie"]);
    await q2.close();
  });

  it("refuses appends beyond the cap, all-or-nothing, and signals space after acks", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 64 * 1024 });
    const body = "x".repeat(10_000);
    await queue.append([
      { meta: {}, body },
      { meta: {}, body },
      { meta: {}, body },
      { meta: {}, body },
      { meta: {}, body },
    ]);
    await expect(
      queue.append([
        { meta: {}, body },
        { meta: {}, body },
      ]),
    ).rejects.toMatchObject({ code: "QUEUE_FULL" });
    expect(queue.stats().pendingEntries).toBe(5);
    await expect(queue.append([{ meta: {}, body: "y".repeat(70_000) }])).rejects.toMatchObject({
      code: "QUEUE_TOO_LARGE",
    });
    const space = queue.waitForSpace(queue.sizeOf({ meta: {}, body }) * 2);
    await ack(queue);
    await ack(queue);
    await space;
    await queue.append([
      { meta: {}, body },
      { meta: {}, body },
    ]);
    expect(queue.stats().pendingEntries).toBe(5);
    await queue.close();
  });

  it("rotates segments and removes the ones fully sent", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    const body = "z".repeat(20_000);
    for (let i = 0; i < 12; i++) await queue.append([{ meta: { i }, body }]);
    expect(segmentFiles(dir).length).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < 10; i++) await ack(queue);
    expect(segmentFiles(dir).length).toBeLessThanOrEqual(2);
    await queue.close();
    const again = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    expect((await again.peek())[0]?.meta).toEqual({ i: 10 });
    expect(again.stats().pendingEntries).toBe(2);
    await again.close();
  });

  it("keeps sent entries on disk as the replay window until released, across a reopen", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await q1.append(["a", "b", "c"].map((body) => ({ meta: {}, body })));
    const first = await q1.peek({ maxBytes: 1 << 20 });
    expect(first.map((e) => e.body.toString())).toEqual(["a", "b", "c"]);
    expect(await q1.markSent(first.slice(0, 1), { sentAt: 900, tag: 77 })).toBe(true);
    expect(await q1.markSent(first.slice(1, 2), { sentAt: 1000, tag: 77 })).toBe(true);
    expect(q1.stats()).toMatchObject({
      pendingEntries: 1,
      windowEntries: 2,
      lastSentAt: 1000,
      firstSentAt: 900,
      tag: 77,
    });
    await q1.close();
    // A writer crash loses nothing of the window: it comes back from disk, with its mark and send times.
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect(q2.stats()).toMatchObject({
      pendingEntries: 1,
      windowEntries: 2,
      lastSentAt: 1000,
      firstSentAt: 900,
      tag: 77,
    });
    expect(await q2.rewind()).toMatchObject({ entries: 2 });
    expect(await drainAll(q2)).toEqual(["a", "b", "c"]);
    await q2.close();
  });

  it("rewinds: the window is sent again in order, and a mark taken before the rewind is ignored", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await queue.append(["a", "b", "c", "d"].map((body) => ({ meta: {}, body })));
    await queue.markSent(await queue.peek({ maxEntries: 2, maxBytes: 1 << 20 }), { sentAt: 10, tag: 1 });
    const inFlight = await queue.peek({ maxBytes: 1 << 20 });
    expect(inFlight.map((e) => e.body.toString())).toEqual(["c", "d"]);
    await queue.rewind();
    expect(await queue.markSent(inFlight, { sentAt: 11, tag: 1 })).toBe(false);
    expect(queue.stats()).toMatchObject({ pendingEntries: 4, windowEntries: 0 });
    // What a replay sends is kept in the window again.
    const again = await queue.peek({ maxBytes: 1 << 20 });
    expect(again.map((e) => e.body.toString())).toEqual(["a", "b", "c", "d"]);
    await queue.markSent(again, { sentAt: 20, tag: 2 });
    expect(queue.stats()).toMatchObject({ pendingEntries: 0, windowEntries: 4 });
    expect(await queue.release(15)).toBe(0);
    expect(await queue.release(20)).toBe(4);
    expect(queue.stats()).toMatchObject({ windowEntries: 0, windowBytes: 0 });
    await queue.close();
  });

  it("never replays a dead-lettered entry, and the window counts against the cap", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 64 * 1024 });
    const body = "x".repeat(10_000);
    await queue.append([
      { meta: { n: 1 }, body },
      { meta: { n: 2 }, body },
      { meta: { n: 3 }, body },
    ]);
    const [one] = await queue.peek();
    await queue.markSent(one ? [one] : [], { sentAt: 1, tag: 0 });
    const [two] = await queue.peek();
    expect(two && (await queue.markDead(two))).toBe(true);
    const [three] = await queue.peek();
    await queue.markSent(three ? [three] : [], { sentAt: 2, tag: 0 });
    // Nothing waits to be sent, but the window (and the dead entry) still hold 30 KB of the 64 KB.
    await expect(
      queue.append([
        { meta: {}, body },
        { meta: {}, body },
        { meta: {}, body },
        { meta: {}, body },
      ]),
    ).rejects.toMatchObject({ code: "QUEUE_FULL" });
    await queue.rewind();
    const replay = await queue.peek({ maxBytes: 1 << 20 });
    expect(replay.map((e) => e.meta.n)).toEqual([1]);
    await queue.markSent(replay, { sentAt: 3, tag: 0 });
    expect((await queue.peek({ maxBytes: 1 << 20 })).map((e) => e.meta.n)).toEqual([3]);
    await queue.close();
  });

  it("merges consecutive entries up to maxBytes, at least one however large", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    for (let i = 0; i < 20; i++) await queue.append([{ meta: { i }, body: "y".repeat(10_000) }]);
    const batch = await queue.peek({ maxBytes: 35_000 });
    expect(batch.map((e) => e.meta.i)).toEqual([0, 1, 2]);
    expect(batch.map((e) => e.id)).toEqual([batch[0]?.id, (batch[0]?.id ?? 0) + 1, (batch[0]?.id ?? 0) + 2]);
    expect((await queue.peek({ maxBytes: 1 })).length).toBe(1);
    // Across segment boundaries too, in order.
    const all = await queue.peek({ maxBytes: 1 << 20 });
    expect(all.map((e) => e.meta.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await queue.close();
  });

  it("never hands out bytes that changed on disk after the append: the entry is skipped with a log line", async () => {
    const dir = await newDir();
    const { lines, logger } = memoryLogger();
    const queue = await createDurableQueue({
      dir,
      maxBytes: 1 << 20,
      logger: { ...logger, error: (m: string) => lines.push(`error ${m}`) },
    });
    await queue.append(["first-entry", "second-entry", "third-entry"].map((body) => ({ meta: {}, body })));
    const path = join(dir, segmentFiles(dir)[0] ?? "");
    const bytes = readFileSync(path);
    const at = bytes.indexOf("first-entry");
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const read = await queue.peek({ maxBytes: 1 << 20 });
    expect(read.map((e) => e.body.toString())).toEqual(["second-entry", "third-entry"]);
    expect(lines.some((l) => l.startsWith("error [queue] the entry at byte 0") && l.includes("CRC"))).toBe(true);
    // A file cut short after the append: the missing entry is never sent from an uninitialised buffer.
    truncateSync(path, statSync(path).size - 5);
    await queue.markSent(read.slice(0, 1), { sentAt: 1, tag: 0 });
    expect(await queue.peek({ maxBytes: 1 << 20 })).toEqual([]);
    expect(lines.some((l) => l.includes("the file ends before it does"))).toBe(true);
    expect(queue.stats().pendingEntries).toBe(0);
    await queue.close();
  });

  it("matches a model under random appends, acks, reopens and torn tails (property)", async () => {
    type Op =
      | { kind: "append"; bodies: string[] }
      | { kind: "ack"; n: number }
      | { kind: "reopen" }
      | { kind: "tear"; bytes: number };
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("append" as const),
        bodies: fc.array(fc.string({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant("ack" as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("reopen" as const) }),
      fc.record({ kind: fc.constant("tear" as const), bytes: fc.integer({ min: 1, max: 40 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops: Op[]) => {
        const dir = await newDir();
        const open = () => createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 64 * 1024, fsync: false });
        let queue = await open();
        let model: string[] = [];
        let lastAppend: string[] = [];
        for (const o of ops) {
          if (o.kind === "append") {
            await queue.append(o.bodies.map((body) => ({ meta: {}, body })));
            model.push(...o.bodies);
            lastAppend = o.bodies;
          } else if (o.kind === "ack") {
            for (let i = 0; i < o.n && model.length > 0; i++) {
              expect((await queue.peek())[0]?.body.toString()).toBe(model[0]);
              await ack(queue);
              model.shift();
              lastAppend = [];
            }
          } else if (o.kind === "reopen") {
            await queue.close();
            queue = await open();
            lastAppend = [];
          } else {
            // Tear the tail of the newest segment: at most the last appended entry is lost.
            await queue.close();
            const files = segmentFiles(dir);
            const last = join(dir, files.at(-1) ?? "");
            const size = statSync(last).size;
            const tail = lastAppend.at(-1);
            if (tail !== undefined && size > 0) {
              truncateSync(last, Math.max(0, size - Math.min(o.bytes, Buffer.byteLength(tail))));
              model = model.slice(0, -1);
            }
            queue = await open();
            lastAppend = [];
          }
        }
        const rest: string[] = [];
        for (let [e] = await queue.peek(); e; [e] = await queue.peek()) {
          rest.push(e.body.toString());
          await ack(queue);
        }
        await queue.close();
        expect(rest).toEqual(model);
      }),
      { numRuns: 60 },
    );
  });
});
