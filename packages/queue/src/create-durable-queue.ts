import { mkdir, open, readdir, readFile, rename, rm, truncate, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { encodeEntry, HEADER_BYTES } from "./entry-codec.ts";
import { QueueError } from "./errors.ts";
import { scanSegment } from "./scan-segment.ts";

export interface DurableQueueOptions {
  /** Directory of the queue (created when missing). One process at a time. */
  dir: string;
  /** Cap of the data waiting to be sent, in bytes. Appends beyond it fail with QUEUE_FULL. */
  maxBytes: number;
  /** Size at which a new segment file is started. Default 32 MiB (at most maxBytes / 4). */
  segmentBytes?: number;
  /** fsync each append before it resolves. Default true: an acknowledged append survives a crash. */
  fsync?: boolean;
  logger?: { warn(message: string): void; info(message: string): void };
  now?: () => number;
}

/** What a producer puts in the queue. */
export interface QueueItem {
  readonly meta: Readonly<Record<string, string | number>>;
  readonly body: string | Buffer;
}

/** An entry read back from the queue. */
export interface QueueEntry {
  readonly meta: Readonly<Record<string, string | number>>;
  readonly body: Buffer;
  /** Bytes it takes on disk (header included). */
  readonly bytes: number;
  readonly enqueuedAt: number;
}

export interface QueueStats {
  readonly pendingBytes: number;
  readonly pendingEntries: number;
  /** Enqueue time of the oldest pending entry, if any. */
  readonly oldestEnqueuedAt: number | undefined;
}

/** An append-only, crash-safe FIFO of byte payloads on disk. */
export interface DurableQueue {
  /** Append items all-or-nothing; resolves once they are on disk (fsync'd). */
  append(items: readonly QueueItem[]): Promise<void>;
  /** Resolves when `bytes` more would fit under the cap. */
  waitForSpace(bytes: number, signal?: AbortSignal): Promise<void>;
  /** Resolves when at least one entry is pending. */
  waitForEntry(signal?: AbortSignal): Promise<void>;
  /** The oldest pending entry, or undefined. */
  peek(): Promise<QueueEntry | undefined>;
  /** Remove the oldest pending entry (the one peek returned). */
  ack(): Promise<void>;
  /** Frame size of an item, to check it against the cap. */
  sizeOf(item: QueueItem): number;
  stats(): QueueStats;
  close(): Promise<void>;
}

interface Ref {
  readonly segment: number;
  readonly payloadOffset: number;
  readonly length: number;
  readonly enqueuedAt: number;
}

interface PendingWrite {
  readonly frames: Buffer[];
  readonly enqueuedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const SEGMENT_RE = /^seg-(\d{12})\.log$/;
const segmentName = (n: number) => `seg-${String(n).padStart(12, "0")}.log`;

function payloadOf(item: QueueItem, enqueuedAt: number): Buffer {
  const meta = Buffer.from(`${JSON.stringify({ ...item.meta, enqueuedAt })}\n`);
  return Buffer.concat([meta, typeof item.body === "string" ? Buffer.from(item.body) : item.body]);
}

function decodePayload(payload: Buffer): { meta: Record<string, string | number>; body: Buffer; enqueuedAt: number } {
  const nl = payload.indexOf(10);
  const meta = JSON.parse(payload.subarray(0, nl).toString("utf8")) as Record<string, string | number>;
  const enqueuedAt = typeof meta.enqueuedAt === "number" ? meta.enqueuedAt : 0;
  delete meta.enqueuedAt;
  return { meta, body: payload.subarray(nl + 1), enqueuedAt };
}

/**
 * Open (or create) a durable queue in `dir`. Pending entries from an earlier run, even one ended
 * by kill -9, are found again; a torn last entry is cut off with a log line, damage in the middle
 * is skipped without losing the intact entries around it.
 */
export async function createDurableQueue(options: DurableQueueOptions): Promise<DurableQueue> {
  const { dir, maxBytes } = options;
  const segmentBytes = Math.max(64 * 1024, Math.min(options.segmentBytes ?? 32 * 1024 * 1024, Math.floor(maxBytes / 4)));
  const fsync = options.fsync ?? true;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  await mkdir(dir, { recursive: true });
  const cursorFile = join(dir, "cursor.json");

  let cursor = { segment: 0, offset: 0 };
  try {
    const parsed = JSON.parse(await readFile(cursorFile, "utf8")) as { segment?: unknown; offset?: unknown };
    if (typeof parsed.segment === "number" && typeof parsed.offset === "number") cursor = { segment: parsed.segment, offset: parsed.offset };
  } catch {
    // no cursor yet: start at the beginning
  }

  const segments = (await readdir(dir))
    .map((name) => SEGMENT_RE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);

  const pending: Ref[] = [];
  let head = 0;
  let pendingBytes = 0;
  const sizes = new Map<number, number>();
  for (const [i, segment] of segments.entries()) {
    const path = join(dir, segmentName(segment));
    if (segment < cursor.segment) {
      await rm(path, { force: true });
      continue;
    }
    const buffer = await readFile(path);
    const start = segment === cursor.segment ? Math.min(cursor.offset, buffer.length) : 0;
    const scan = scanSegment(buffer, start);
    for (const region of scan.skipped) {
      logger?.warn(
        `[queue] ${region.tail ? "torn last entry" : "damaged data"} in ${segmentName(segment)} at byte ${region.offset}: skipped ${region.bytes} bytes`,
      );
    }
    const isLast = i === segments.length - 1;
    if (isLast && scan.skipped.some((r) => r.tail)) await truncate(path, scan.validEnd);
    sizes.set(segment, isLast ? scan.validEnd : buffer.length);
    for (const entry of scan.entries) {
      const { enqueuedAt } = decodePayload(buffer.subarray(entry.payloadOffset, entry.payloadOffset + entry.length));
      pending.push({ segment, payloadOffset: entry.payloadOffset, length: entry.length, enqueuedAt });
      pendingBytes += HEADER_BYTES + entry.length;
    }
  }
  if (pending.length > 0) logger?.info(`[queue] ${pending.length} entries (${pendingBytes} bytes) pending from an earlier run in ${dir}`);

  let activeSegment = segments.at(-1) ?? Math.max(cursor.segment, 0);
  let activeSize = sizes.get(activeSegment) ?? 0;
  let activeHandle: FileHandle = await open(join(dir, segmentName(activeSegment)), "a");
  const readHandles = new Map<number, FileHandle>();
  let reserved = 0;
  let closed = false;
  let writeQueue: PendingWrite[] = [];
  let writing = false;
  let entryWaiters: (() => void)[] = [];
  let spaceWaiters: (() => void)[] = [];

  const wake = (list: (() => void)[]) => {
    for (const resolve of list) resolve();
  };

  const syncDir = async () => {
    if (!fsync) return;
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  const rotate = async () => {
    if (fsync) await activeHandle.datasync();
    await activeHandle.close();
    activeSegment++;
    activeSize = 0;
    activeHandle = await open(join(dir, segmentName(activeSegment)), "a");
    await syncDir();
  };

  const flush = async (): Promise<void> => {
    if (writing) return;
    writing = true;
    try {
      while (writeQueue.length > 0) {
        const batch = writeQueue;
        writeQueue = [];
        const refs: Ref[][] = [];
        try {
          for (const write of batch) {
            const written: Ref[] = [];
            for (const frame of write.frames) {
              if (activeSize > 0 && activeSize + frame.length > segmentBytes) await rotate();
              await activeHandle.write(frame, 0, frame.length, null);
              written.push({ segment: activeSegment, payloadOffset: activeSize + HEADER_BYTES, length: frame.length - HEADER_BYTES, enqueuedAt: write.enqueuedAt });
              activeSize += frame.length;
            }
            refs.push(written);
          }
          if (fsync) await activeHandle.datasync();
        } catch (error) {
          for (const write of batch) {
            reserved -= write.frames.reduce((n, f) => n + f.length, 0);
            write.reject(new QueueError("QUEUE_IO", `cannot write to ${dir}: ${(error as Error).message}`, { cause: error }));
          }
          wake(spaceWaiters);
          spaceWaiters = [];
          continue;
        }
        for (const [i, write] of batch.entries()) {
          for (const ref of refs[i] ?? []) {
            pending.push(ref);
            pendingBytes += HEADER_BYTES + ref.length;
          }
          reserved -= write.frames.reduce((n, f) => n + f.length, 0);
          write.resolve();
        }
        wake(entryWaiters);
        entryWaiters = [];
      }
    } finally {
      writing = false;
    }
  };

  const readHandle = async (segment: number): Promise<FileHandle> => {
    let handle = readHandles.get(segment);
    if (!handle) {
      handle = await open(join(dir, segmentName(segment)), "r");
      readHandles.set(segment, handle);
    }
    return handle;
  };

  const waitFor = (ready: () => boolean, list: "entry" | "space", signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (signal?.aborted) return reject(signal.reason);
        if (ready()) return resolve();
        (list === "entry" ? entryWaiters : spaceWaiters).push(check);
      };
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      check();
    });

  const queue: DurableQueue = {
    sizeOf(item) {
      return HEADER_BYTES + payloadOf(item, 0).length + 16;
    },
    async append(items) {
      if (closed) throw new QueueError("QUEUE_CLOSED", "append after close");
      if (items.length === 0) return;
      const enqueuedAt = now();
      const frames = items.map((item) => encodeEntry(payloadOf(item, enqueuedAt)));
      const total = frames.reduce((n, f) => n + f.length, 0);
      if (total > maxBytes) throw new QueueError("QUEUE_TOO_LARGE", `${total} bytes can never fit in a queue of ${maxBytes} bytes`);
      if (pendingBytes + reserved + total > maxBytes) {
        throw new QueueError("QUEUE_FULL", `queue is full: ${pendingBytes + reserved} of ${maxBytes} bytes pending, ${total} more do not fit`);
      }
      reserved += total;
      const done = new Promise<void>((resolve, reject) => writeQueue.push({ frames, enqueuedAt, resolve, reject }));
      void flush();
      return done;
    },
    waitForSpace(bytes, signal) {
      return waitFor(() => closed || pendingBytes + reserved + bytes <= maxBytes, "space", signal);
    },
    waitForEntry(signal) {
      return waitFor(() => closed || head < pending.length, "entry", signal);
    },
    async peek() {
      const ref = pending[head];
      if (!ref) return undefined;
      const handle = await readHandle(ref.segment);
      const payload = Buffer.allocUnsafe(ref.length);
      await handle.read(payload, 0, ref.length, ref.payloadOffset);
      const { meta, body } = decodePayload(payload);
      return { meta, body, bytes: HEADER_BYTES + ref.length, enqueuedAt: ref.enqueuedAt };
    },
    async ack() {
      const ref = pending[head];
      if (!ref) return;
      head++;
      pendingBytes -= HEADER_BYTES + ref.length;
      if (head > 1024 && head * 2 > pending.length) {
        pending.splice(0, head);
        head = 0;
      }
      const next = pending[head];
      const position = { segment: ref.segment, offset: ref.payloadOffset + ref.length };
      // Segments wholly behind the next pending entry are done: remove them.
      const firstNeeded = next?.segment ?? activeSegment;
      for (const [segment, handle] of readHandles) {
        if (segment < firstNeeded) {
          await handle.close();
          readHandles.delete(segment);
        }
      }
      const cursorNow = firstNeeded > ref.segment ? { segment: firstNeeded, offset: next ? next.payloadOffset - HEADER_BYTES : activeSize } : position;
      await rename(await writeTemp(cursorFile, JSON.stringify(cursorNow)), cursorFile);
      for (let segment = ref.segment; segment < firstNeeded; segment++) await rm(join(dir, segmentName(segment)), { force: true });
      wake(spaceWaiters);
      spaceWaiters = [];
    },
    stats() {
      return { pendingBytes, pendingEntries: pending.length - head, oldestEnqueuedAt: pending[head]?.enqueuedAt };
    },
    async close() {
      if (closed) return;
      closed = true;
      while (writing || writeQueue.length > 0) await new Promise((r) => setTimeout(r, 5));
      await activeHandle.close();
      for (const handle of readHandles.values()) await handle.close();
      readHandles.clear();
      wake(entryWaiters);
      wake(spaceWaiters);
    },
  };
  return queue;
}

async function writeTemp(path: string, text: string): Promise<string> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return tmp;
}
