import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDurableQueue, type DurableQueue } from "./create-durable-queue.ts";

// A real full disk: a small tmpfs mounted for the test (needs root and mount permission).
const mountPoint = mkdtempSync(join(tmpdir(), "aw-queue-tmpfs-"));
let mountProblem: string | undefined;
beforeAll(() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint], { stdio: "pipe" });
  } catch (error) {
    mountProblem = `cannot mount a tmpfs here (${(error as Error).message.split("\n")[0]})`;
    console.warn(`SKIPPED the disk-full tests: ${mountProblem}`);
  }
});
afterAll(() => {
  // Lazily: a failed test may still hold files there.
  if (!mountProblem) execFileSync("umount", ["-l", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function recorder() {
  const lines: string[] = [];
  const logger = {
    warn: (m: string) => lines.push(`warn ${m}`),
    info: (m: string) => lines.push(`info ${m}`),
    error: (m: string) => lines.push(`error ${m}`),
  };
  return { lines, logger };
}

/** Append uniquely numbered entries (four at a time, so that a group commit fails as a whole) until the disk refuses. */
async function fill(queue: DurableQueue, from: number) {
  const acknowledged: number[] = [];
  const refusals: string[] = [];
  for (let n = from; refusals.length === 0; n += 4) {
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((k) =>
        queue
          .append([{ meta: { n: n + k }, body: `${n + k}:${"d".repeat(9000 + ((n + k) % 5) * 777)}` }])
          .then(() => n + k),
      ),
    );
    for (const r of results) {
      if (r.status === "fulfilled") acknowledged.push(r.value);
      else refusals.push(`${(r.reason as { code?: string }).code}`);
    }
  }
  return { acknowledged, refusals };
}

describe.runIf(process.platform === "linux")("the queue on a full disk (real tmpfs)", () => {
  it("acknowledges only what is wholly on disk, drains on the full disk, takes appends again once there is room, and skips nothing after a restart", async (context) => {
    if (mountProblem) context.skip(mountProblem);
    const dir = join(mountPoint, "queue");
    mkdirSync(dir);
    const { lines, logger } = recorder();
    const options = { dir, maxBytes: 64 << 20, segmentBytes: 64 * 1024, logger };
    const queue = await createDurableQueue(options);
    const first = await fill(queue, 0);
    expect(first.refusals.every((code) => code === "QUEUE_NO_SPACE")).toBe(true);
    expect(lines.some((l) => l.startsWith("error [queue] the disk of") && l.includes("is full"))).toBe(true);
    expect(queue.stats().pendingEntries).toBe(first.acknowledged.length);

    // Drain on the full disk: the cursor is rewritten in place, the segments behind it are freed.
    let sent = 0;
    while (sent < first.acknowledged.length / 2) {
      const batch = await queue.peek({ maxBytes: 64 * 1024 });
      expect(await queue.markSent(batch, { sentAt: 1, tag: 0 })).toBe(true);
      sent += batch.length;
    }
    expect(await queue.release(1)).toBe(sent);
    const second = await fill(queue, 100_000);
    expect(second.acknowledged.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith("info [queue] room on the disk"))).toBe(true);
    await queue.close();

    // After a restart, every acknowledged entry not yet sent is there, in order; nothing is skipped as damaged.
    const again = recorder();
    const reopened = await createDurableQueue({ ...options, logger: again.logger });
    const found: number[] = [];
    for (
      let batch = await reopened.peek({ maxBytes: 1 << 20 });
      batch.length > 0;
      batch = await reopened.peek({ maxBytes: 1 << 20 })
    ) {
      found.push(...batch.map((e) => Number(e.meta.n)));
      for (const e of batch) expect(e.body.toString().startsWith(`${e.meta.n}:`)).toBe(true);
      await reopened.markSent(batch, { sentAt: 2, tag: 0 });
    }
    expect(found).toEqual([...first.acknowledged.slice(sent), ...second.acknowledged]);
    expect(again.lines.filter((l) => /torn|damaged|cannot be sent/.test(l))).toEqual([]);
    await reopened.close();
    rmSync(dir, { recursive: true });
  });

  it("makes room on a disk smaller than one segment: once all of it was sent and released, the next append starts a new segment and the old one goes", async (context) => {
    if (mountProblem) context.skip(mountProblem);
    const dir = join(mountPoint, "one-segment");
    mkdirSync(dir);
    const queue = await createDurableQueue({ dir, maxBytes: 64 << 20, segmentBytes: 8 << 20 });
    const { acknowledged } = await fill(queue, 0);
    for (
      let batch = await queue.peek({ maxBytes: 1 << 20 });
      batch.length > 0;
      batch = await queue.peek({ maxBytes: 1 << 20 })
    )
      await queue.markSent(batch, { sentAt: 1, tag: 0 });
    expect(await queue.release(1)).toBe(acknowledged.length);
    const second = await fill(queue, 100_000);
    expect(second.acknowledged.length).toBeGreaterThan(acknowledged.length / 2);
    await queue.close();
    rmSync(dir, { recursive: true });
  });
});
