import { readFileSync } from "node:fs";
import { link, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { QueueError } from "./errors.ts";

/** Who holds a queue directory (the content of its `lock` file). */
export interface QueueLockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly startedAt: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  readonly procStart?: string;
}

/** A held lock on a queue directory. */
export interface QueueLock {
  readonly holder: QueueLockHolder;
  release(): Promise<void>;
}

export const LOCK_FILE = "lock";
/** Directories locked by this process: a second queue on one of them in this process is refused too. */
const heldHere = new Set<string>();

function procStartOf(pid: number | "self"): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function isAlive(holder: QueueLockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // The pid runs, but it may be another program that got the same number.
  const now = procStartOf(holder.pid);
  return holder.procStart === undefined || now === undefined || now === holder.procStart;
}

async function readHolder(path: string): Promise<QueueLockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<QueueLockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      startedAt: String(parsed.startedAt ?? "?"),
      ...(parsed.procStart !== undefined ? { procStart: String(parsed.procStart) } : {}),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { pid: -1, host: "?", startedAt: `unreadable lock file: ${(error as Error).message}` };
  }
}

/** Create `path` holding `text`, failing with EEXIST when it exists (written aside, then linked: never seen half-written). */
async function createExclusive(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, text, { flag: "wx" });
  try {
    await link(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

const describeHolder = (h: QueueLockHolder) => `pid ${h.pid} on host ${h.host}, since ${h.startedAt}`;

/**
 * Take the exclusive lock of a queue directory: a `lock` file created atomically with the pid,
 * host and start time of this process. A lock left by a process that no longer runs on this host
 * is taken over (with a log line); a live holder, or one on another host, makes this fail with
 * `QUEUE_LOCKED` naming it.
 */
export async function acquireQueueLock(dir: string, logger?: { warn(message: string): void }): Promise<QueueLock> {
  const key = resolve(dir);
  const path = join(dir, LOCK_FILE);
  const host = hostname();
  const me: QueueLockHolder = {
    pid: process.pid,
    host,
    startedAt: new Date().toISOString(),
    ...(procStartOf("self") ? { procStart: procStartOf("self") as string } : {}),
  };
  if (heldHere.has(key))
    throw new QueueError(
      "QUEUE_LOCKED",
      `the queue directory ${dir} is already open in this process (${describeHolder(me)})`,
    );
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await createExclusive(path, `${JSON.stringify(me)}\n`);
      heldHere.add(key);
      return {
        holder: me,
        async release() {
          heldHere.delete(key);
          const now = await readHolder(path);
          if (now?.pid === me.pid && now.host === me.host) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new QueueError("QUEUE_IO", `cannot create the lock file ${path}: ${(error as Error).message}`, {
          cause: error,
        });
    }
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released meanwhile: try again
    const stale = holder.host === host && holder.pid > 0 && (holder.pid === process.pid || !isAlive(holder));
    if (!stale) {
      const where = holder.host === host ? "" : ` (another host: if it no longer uses this directory, delete ${path})`;
      throw new QueueError(
        "QUEUE_LOCKED",
        `the queue directory ${dir} is in use by ${describeHolder(holder)}${where}; one process at a time may use a queue`,
      );
    }
    await takeOverStale(path, holder, logger);
  }
  throw new QueueError("QUEUE_LOCKED", `cannot take the lock ${path}: it keeps changing hands`);
}

/** Remove a stale lock, unless another process is taking it over at the same moment. */
async function takeOverStale(
  path: string,
  holder: QueueLockHolder,
  logger?: { warn(message: string): void },
): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await createExclusive(guard, `${process.pid}\n`);
  } catch {
    // Someone else is taking it over; a guard left by a crash mid-takeover is cleared after a while.
    const since = await stat(guard).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    if (since > 10_000) await rm(guard, { force: true });
    await new Promise((r) => setTimeout(r, 50));
    return;
  }
  try {
    const again = await readHolder(path);
    if (again?.pid === holder.pid && again.host === holder.host && again.startedAt === holder.startedAt) {
      logger?.warn(`[queue] taking over the lock ${path} left by ${describeHolder(holder)}, which no longer runs`);
      await rm(path, { force: true });
    }
  } finally {
    await rm(guard, { force: true });
  }
}
