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
  return { lines, logger: { warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`) } };
}

async function drainAll(queue: DurableQueue): Promise<string[]> {
  const out: string[] = [];
  for (let entry = await queue.peek(); entry; entry = await queue.peek()) {
    out.push(entry.body.toString());
    await queue.ack();
  }
  return out;
}

const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("seg-")).sort();

describe("createDurableQueue", () => {
  it("keeps pending entries across a reopen, in order, with their meta", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20, now: () => 1234 });
    await q1.append([{ meta: { q: "a", n: 1 }, body: "one" }, { meta: { q: "a", n: 2 }, body: "two" }]);
    await q1.append([{ meta: { q: "b", n: 3 }, body: Buffer.from("three") }]);
    await q1.close();
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect(q2.stats().pendingEntries).toBe(3);
    const first = await q2.peek();
    expect(first?.meta).toEqual({ q: "a", n: 1 });
    expect(first?.enqueuedAt).toBe(1234);
    expect(await drainAll(q2)).toEqual(["one", "two", "three"]);
    await q2.close();
  });

  it("resumes after the last acknowledged entry", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await q1.append(["a", "b", "c"].map((body) => ({ meta: {}, body })));
    await q1.peek();
    await q1.ack();
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
    expect(lines.some((l) => l.startsWith("warn [queue] damaged data"))).toBe(true);
    expect(await drainAll(q2)).toEqual(["alpha-alpha", "charlie-charlie"]);
    await q2.close();
  });

  it("refuses appends beyond the cap, all-or-nothing, and signals space after acks", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 64 * 1024 });
    const body = "x".repeat(10_000);
    await queue.append([{ meta: {}, body }, { meta: {}, body }, { meta: {}, body }, { meta: {}, body }, { meta: {}, body }]);
    await expect(queue.append([{ meta: {}, body }, { meta: {}, body }])).rejects.toMatchObject({ code: "QUEUE_FULL" });
    expect(queue.stats().pendingEntries).toBe(5);
    await expect(queue.append([{ meta: {}, body: "y".repeat(70_000) }])).rejects.toMatchObject({ code: "QUEUE_TOO_LARGE" });
    const space = queue.waitForSpace(queue.sizeOf({ meta: {}, body }) * 2);
    await queue.peek();
    await queue.ack();
    await queue.ack();
    await space;
    await queue.append([{ meta: {}, body }, { meta: {}, body }]);
    expect(queue.stats().pendingEntries).toBe(5);
    await queue.close();
  });

  it("rotates segments and removes the ones fully sent", async () => {
    const dir = await newDir();
    const queue = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    const body = "z".repeat(20_000);
    for (let i = 0; i < 12; i++) await queue.append([{ meta: { i }, body }]);
    expect(segmentFiles(dir).length).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < 10; i++) {
      await queue.peek();
      await queue.ack();
    }
    expect(segmentFiles(dir).length).toBeLessThanOrEqual(2);
    await queue.close();
    const again = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    expect((await again.peek())?.meta).toEqual({ i: 10 });
    expect(again.stats().pendingEntries).toBe(2);
    await again.close();
  });

  it("matches a model under random appends, acks, reopens and torn tails (property)", async () => {
    type Op = { kind: "append"; bodies: string[] } | { kind: "ack"; n: number } | { kind: "reopen" } | { kind: "tear"; bytes: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("append" as const), bodies: fc.array(fc.string({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 4 }) }),
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
              expect((await queue.peek())?.body.toString()).toBe(model[0]);
              await queue.ack();
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
        for (let e = await queue.peek(); e; e = await queue.peek()) {
          rest.push(e.body.toString());
          await queue.ack();
        }
        await queue.close();
        expect(rest).toEqual(model);
      }),
      { numRuns: 60 },
    );
  });
});
