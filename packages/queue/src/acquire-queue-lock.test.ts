import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireQueueLock, LOCK_FILE } from "./acquire-queue-lock.ts";
import { createDurableQueue } from "./create-durable-queue.ts";

const dirs: string[] = [];
async function newDir() {
  const dir = await mkdtemp(join(tmpdir(), "aw-lock-test-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A live process that is not us (the lock holder in these tests). */
function otherProcess() {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    pid: child.pid ?? -1,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

describe("acquireQueueLock", () => {
  it("refuses a second queue on the same directory while the first is open, then frees it on close", async () => {
    const dir = await newDir();
    const first = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await expect(createDurableQueue({ dir, maxBytes: 1 << 20 })).rejects.toMatchObject({
      code: "QUEUE_LOCKED",
      message: expect.stringContaining(`pid ${process.pid} on host ${hostname()}`),
    });
    await first.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const second = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    await second.close();
  });

  it("refuses while another live process holds the lock, naming its pid, host and start time; takes it over once that process is gone", async () => {
    const dir = await newDir();
    const other = otherProcess();
    try {
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: other.pid, host: hostname(), startedAt: "2024-11-24T00:00:00.000Z" }),
      );
      const refused = await acquireQueueLock(dir).then(
        () => undefined,
        (error: Error & { code?: string }) => error,
      );
      expect(refused?.code).toBe("QUEUE_LOCKED");
      expect(refused?.message).toContain(
        `in use by pid ${other.pid} on host ${hostname()}, since 2024-11-24T00:00:00.000Z`,
      );
    } finally {
      await other.kill();
    }
    const warnings: string[] = [];
    const lock = await acquireQueueLock(dir, { warn: (m) => warnings.push(m) });
    expect(lock.holder.pid).toBe(process.pid);
    expect(warnings.join("\n")).toContain(`left by pid ${other.pid}`);
    await lock.release();
  });

  it("takes over a lock whose pid now belongs to another program (its start time differs)", async () => {
    const dir = await newDir();
    const other = otherProcess();
    try {
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: other.pid, host: hostname(), startedAt: "then", procStart: "1" }),
      );
      const lock = await acquireQueueLock(dir);
      await lock.release();
    } finally {
      await other.kill();
    }
  });

  it("never takes over a lock held on another host, and says how to clear it", async () => {
    const dir = await newDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: "elsewhere", startedAt: "then" }));
    await expect(acquireQueueLock(dir)).rejects.toThrow(
      `in use by pid 1 on host elsewhere, since then (another host: if it no longer uses this directory, delete ${join(dir, LOCK_FILE)})`,
    );
  });
});
