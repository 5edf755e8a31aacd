import { readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDurableQueue } from "./create-durable-queue.ts";
import { CURSOR_FILE, openCursorFile } from "./cursor-file.ts";

const dirs: string[] = [];
async function newDir() {
  const dir = await mkdtemp(join(tmpdir(), "aw-cursor-test-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const at = (segment: number, offset: number) => ({ segment, offset });

describe("openCursorFile", () => {
  it("rewrites a fixed-size file in place, and a torn newest slot falls back to the one before", async () => {
    const dir = await newDir();
    const { file } = await openCursorFile(dir, { fsync: true });
    const inode = statSync(join(dir, CURSOR_FILE)).ino;
    for (let i = 1; i <= 50; i++)
      await file.write({ safe: at(0, i), sent: at(1, i), lastSentAt: i, tag: 9, firstSentAt: i - 1 }, i % 2 === 0);
    await file.close();
    expect(statSync(join(dir, CURSOR_FILE))).toMatchObject({ size: 1024, ino: inode });
    const reopened = await openCursorFile(dir, { fsync: true });
    expect(reopened.state).toEqual({ safe: at(0, 50), sent: at(1, 50), lastSentAt: 50, tag: 9, firstSentAt: 49 });
    await reopened.file.close();
    // Tear the newest slot (seq 50 sits in the slot at 0): the older one is used.
    const bytes = readFileSync(join(dir, CURSOR_FILE));
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;
    writeFileSync(join(dir, CURSOR_FILE), bytes);
    const torn = await openCursorFile(dir, { fsync: true });
    expect(torn.state).toEqual({ safe: at(0, 49), sent: at(1, 49), lastSentAt: 49, tag: 9, firstSentAt: 48 });
    await torn.file.close();
  });

  it("coalesces writes made while one is in flight, keeping the newest", async () => {
    const dir = await newDir();
    const { file } = await openCursorFile(dir, { fsync: false });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        file.write({ safe: at(0, i), sent: at(0, i), lastSentAt: 0, tag: 0, firstSentAt: 0 }, false),
      ),
    );
    await file.close();
    const { state, file: again } = await openCursorFile(dir, { fsync: false });
    expect(state?.safe).toEqual(at(0, 19));
    await again.close();
  });

  it("takes over the cursor.json of an older queue", async () => {
    const dir = await newDir();
    const q1 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await q1.append(["a", "b"].map((body) => ({ meta: {}, body })));
    const [first] = await q1.peek();
    await q1.close();
    // What the older queue wrote after sending "a": the offset where "b" starts.
    const offsetOfB = first?.bytes ?? 0;
    await rm(join(dir, CURSOR_FILE));
    writeFileSync(join(dir, "cursor.json"), JSON.stringify({ segment: 0, offset: offsetOfB }));
    const q2 = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    expect((await q2.peek()).map((e) => e.body.toString())).toEqual(["b"]);
    await q2.close();
    expect(() => statSync(join(dir, "cursor.json"))).toThrow();
  });
});
