import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDurableQueue } from "./create-durable-queue.ts";

const dirs: string[] = [];
async function newDir() {
  const dir = await mkdtemp(join(tmpdir(), "aw-segments-test-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A closed queue of four segments, nothing sent. */
async function fourSegments(dir: string) {
  const queue = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
  for (let i = 0; i < 12; i++) await queue.append([{ meta: { i }, body: "s".repeat(20_000) }]);
  await queue.close();
  const segments = readdirSync(dir)
    .filter((f) => f.startsWith("seg-"))
    .sort();
  expect(segments.length).toBeGreaterThanOrEqual(4);
  return segments;
}

describe("checking every segment at open", () => {
  it("refuses to open when a segment in the middle is missing, naming it", async () => {
    const dir = await newDir();
    const segments = await fourSegments(dir);
    renameSync(join(dir, segments[1] ?? ""), join(dir, "aside.log"));
    await expect(createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 })).rejects.toMatchObject({
      code: "QUEUE_DAMAGED",
      message: expect.stringContaining(`${segments[1]} missing between ${segments[0]} and ${segments[2]}`),
    });
    // Put back, it opens with every entry.
    renameSync(join(dir, "aside.log"), join(dir, segments[1] ?? ""));
    const queue = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    expect(queue.stats().pendingEntries).toBe(12);
    await queue.close();
  });

  it("refuses to open when a segment cannot be read, and names every problem at once", async () => {
    const dir = await newDir();
    const segments = await fourSegments(dir);
    // As root, permissions do not stop a read: a directory in the segment's place does (EISDIR).
    renameSync(join(dir, segments[2] ?? ""), join(dir, "aside.log"));
    mkdirSync(join(dir, segments[2] ?? ""));
    rmSync(join(dir, segments[0] ?? ""));
    const error = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 }).catch(
      (e: Error & { code?: string }) => e,
    );
    expect(error).toMatchObject({ code: "QUEUE_DAMAGED" });
    expect((error as Error).message).toContain(`${segments[2]} cannot be read (EISDIR)`);
    expect((error as Error).message).toContain(`${segments[0]} is missing (the cursor points into it)`);
    // The lock of the refused open was released.
    rmSync(join(dir, segments[2] ?? ""), { recursive: true });
    renameSync(join(dir, "aside.log"), join(dir, segments[2] ?? ""));
    await expect(createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 })).rejects.toMatchObject({
      code: "QUEUE_DAMAGED",
    });
  });

  it("gives up the damaged part when the operator moves away the segments up to it and the cursor", async () => {
    const dir = await newDir();
    const segments = await fourSegments(dir);
    rmSync(join(dir, segments[1] ?? ""));
    rmSync(join(dir, segments[0] ?? ""));
    rmSync(join(dir, "cursor.bin"));
    const queue = await createDurableQueue({ dir, maxBytes: 4 << 20, segmentBytes: 64 * 1024 });
    const [first] = await queue.peek();
    expect(Number(first?.meta.i)).toBeGreaterThan(2);
    await queue.close();
  });
});
