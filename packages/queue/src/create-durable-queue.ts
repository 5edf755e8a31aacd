import { mkdir, open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { abortableSleep, waitUntil, wakeAll, type WaiterSet } from "./abortable-wait.ts";
import { acquireQueueLock } from "./acquire-queue-lock.ts";
import { openCursorFile, type CursorPosition } from "./cursor-file.ts";
import { encodeEntry, HEADER_BYTES } from "./entry-codec.ts";
import { isNoSpaceError, QueueError } from "./errors.ts";
import { loadSegments, segmentName, type EntryRef } from "./load-segments.ts";
import { readEntries } from "./read-entries.ts";
import { writeFully } from "./write-fully.ts";

export interface DurableQueueOptions {
  /** Directory of the queue (created when missing). One process at a time: it is locked. */
  dir: string;
  /** Cap of the data the queue holds (waiting to be sent, and the replay window), in bytes. Appends beyond it fail with QUEUE_FULL. */
  maxBytes: number;
  /** Size at which a new segment file is started. Default 32 MiB (at most maxBytes / 4). */
  segmentBytes?: number;
  /** fsync each append before it resolves. Default true: an acknowledged append survives a crash. */
  fsync?: boolean;
  logger?: { warn(message: string): void; info(message: string): void; error?(message: string): void };
  now?: () => number;
}

/** What a producer puts in the queue. */
export interface QueueItem {
  readonly meta: Readonly<Record<string, string | number>>;
  readonly body: string | Buffer;
}

/** An entry read back from the queue (its bytes were read from disk and matched their CRC). */
export interface QueueEntry {
  /** Its place in the queue, increasing. */
  readonly id: number;
  /** Changes at each rewind: marks taken before one are ignored. */
  readonly generation: number;
  readonly meta: Readonly<Record<string, string | number>>;
  readonly body: Buffer;
  /** Bytes it takes on disk (header included). */
  readonly bytes: number;
  readonly enqueuedAt: number;
}

export interface QueueStats {
  /** Not sent yet. */
  readonly pendingBytes: number;
  readonly pendingEntries: number;
  /** Enqueue time of the oldest entry not sent yet, if any. */
  readonly oldestEnqueuedAt: number | undefined;
  /** Sent, but kept on disk until released as safe (the replay window). */
  readonly windowBytes: number;
  readonly windowEntries: number;
  /** When the newest entry of the window was sent (ms), 0 if never. */
  readonly lastSentAt: number;
  /** When the oldest entry of the window was sent (ms), undefined when the window is empty. */
  readonly firstSentAt: number | undefined;
  /** The mark given with the newest `markSent` (kept on disk). */
  readonly tag: number;
}

/** An append-only, crash-safe FIFO of byte payloads on disk, with a replay window behind its read cursor. */
export interface DurableQueue {
  /** Append items all or nothing; resolves once they are on disk (fsync'd). */
  append(items: readonly QueueItem[]): Promise<void>;
  /** Resolves when `bytes` more would fit under the cap. */
  waitForSpace(bytes: number, signal?: AbortSignal): Promise<void>;
  /** Resolves when at least one entry waits to be sent; rejects with QUEUE_CLOSED after close. */
  waitForEntry(signal?: AbortSignal): Promise<void>;
  /** The next entries to send, consecutive and in order: at least one when any waits (up to `maxBytes` on disk, `maxEntries`). */
  peek(options?: { maxBytes?: number; maxEntries?: number }): Promise<QueueEntry[]>;
  /** The target took `entries` (the first ones peek returned): they move into the replay window. False when a rewind came in between. */
  markSent(entries: readonly QueueEntry[], mark: { sentAt: number; tag: number }): Promise<boolean>;
  /** Give up on the next entry (dead-lettered): it is never sent again. */
  markDead(entry: QueueEntry): Promise<boolean>;
  /** Entries of the window sent at or before `sentUpTo` are safe: forget them and delete the segments they filled. */
  release(sentUpTo: number): Promise<number>;
  /** Send the whole window again (the target may have lost it): the read cursor goes back to its start. `throughId` is the last entry id of the window. */
  rewind(): Promise<{ entries: number; bytes: number; throughId: number }>;
  /** Frame size of an item, to check it against the cap. */
  sizeOf(item: QueueItem): number;
  stats(): QueueStats;
  close(): Promise<void>;
}

interface PendingWrite {
  readonly frames: Buffer[];
  readonly bytes: number;
  readonly enqueuedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function payloadOf(item: QueueItem, enqueuedAt: number): Buffer {
  const meta = Buffer.from(`${JSON.stringify({ ...item.meta, enqueuedAt })}\n`);
  return Buffer.concat([meta, typeof item.body === "string" ? Buffer.from(item.body) : item.body]);
}

const frameBytes = (ref: EntryRef) => HEADER_BYTES + ref.length;

/**
 * Open (or create) a durable queue in `dir`, locked against other processes. Every segment from
 * the cursor on is read and checked (a missing or unreadable one is a `QUEUE_DAMAGED` error); a
 * torn last entry is cut off with a log line. Sent entries stay on disk (the replay window) until
 * `release` says they are safe, so a crash of the writer or of the target loses none of them.
 */
export async function createDurableQueue(options: DurableQueueOptions): Promise<DurableQueue> {
  const { dir, maxBytes } = options;
  const segmentBytes = Math.max(64 * 1024, Math.min(options.segmentBytes ?? 32 * 1024 * 1024, Math.floor(maxBytes / 4)));
  const fsync = options.fsync ?? true;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  await mkdir(dir, { recursive: true });
  const lock = await acquireQueueLock(dir, logger);
  let cursorFile: Awaited<ReturnType<typeof openCursorFile>>["file"] | undefined;
  let activeHandle: FileHandle | undefined;
  try {
    const opened = await openCursorFile(dir, { fsync });
    cursorFile = opened.file;
    const loaded = await loadSegments(dir, opened.state, logger);
    for (const n of loaded.obsolete) await rm(join(dir, segmentName(n)), { force: true });
    const activeSegment = loaded.activeSegment ?? opened.state?.safe.segment ?? 0;
    activeHandle = await open(join(dir, segmentName(activeSegment)), loaded.activeSegment === undefined ? "w+" : "r+");
    if (loaded.activeSegment === undefined) await syncDir(dir, fsync);
    const sent = { tag: opened.state?.tag ?? 0, lastSentAt: opened.state?.lastSentAt ?? 0, firstSentAt: opened.state?.firstSentAt ?? 0 };
    return openedQueue({ ...options, segmentBytes, fsync, now }, { lock, cursorFile, activeHandle, activeSegment, loaded, ...sent });
  } catch (error) {
    await activeHandle?.close().catch(() => undefined);
    await cursorFile?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

async function syncDir(dir: string, fsync: boolean): Promise<void> {
  if (!fsync) return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface OpenedState {
  readonly lock: Awaited<ReturnType<typeof acquireQueueLock>>;
  readonly cursorFile: Awaited<ReturnType<typeof openCursorFile>>["file"];
  activeHandle: FileHandle;
  activeSegment: number;
  readonly loaded: Awaited<ReturnType<typeof loadSegments>>;
  readonly tag: number;
  readonly lastSentAt: number;
  readonly firstSentAt: number;
}

function openedQueue(options: DurableQueueOptions & { segmentBytes: number; fsync: boolean; now: () => number }, state: OpenedState): DurableQueue {
  const { dir, maxBytes, segmentBytes, fsync, now, logger } = options;
  const { lock, cursorFile } = state;
  let { activeHandle, activeSegment } = state;
  let activeSize = state.loaded.activeSize;
  /** The lowest segment that may still be on disk. */
  let oldestSegment = state.loaded.firstSegment ?? activeSegment;
  let refs = state.loaded.refs;
  let safeIdx = 0;
  let sentIdx = state.loaded.sentIndex;
  let baseId = 0;
  let generation = 0;
  let tag = state.tag;
  let lastSentAt = state.lastSentAt;
  // Entries of the window found on disk carry its newest send time (conservative for freeing
  // them); the oldest one is kept apart (conservative for deciding that a restart came after it).
  let reopenedUntilId = state.loaded.sentIndex;
  const reopenedFirstSentAt = state.firstSentAt || state.lastSentAt;
  let unsentBytes = 0;
  let unsentEntries = 0;
  let windowBytes = 0;
  let windowEntries = 0;
  let diskBytes = 0;
  for (const [i, ref] of refs.entries()) {
    diskBytes += frameBytes(ref);
    if (i < sentIdx) {
      windowBytes += frameBytes(ref);
      windowEntries++;
    } else {
      unsentBytes += frameBytes(ref);
      unsentEntries++;
    }
  }
  if (unsentEntries + windowEntries > 0) {
    logger?.info(`[queue] ${unsentEntries} entries (${unsentBytes} bytes) pending from an earlier run in ${dir}, and ${windowEntries} sent ones (${windowBytes} bytes) kept in case they must be sent again`);
  }
  const readHandles = new Map<number, FileHandle>();
  const entryWaiters: WaiterSet = new Set();
  const spaceWaiters: WaiterSet = new Set();
  let reserved = 0;
  let closed = false;
  let writeQueue: PendingWrite[] = [];
  let writing: Promise<void> | undefined;
  let broken: QueueError | undefined;
  let noSpaceSince: number | undefined;

  const positionOf = (index: number): CursorPosition => {
    const ref = refs[index];
    return ref ? { segment: ref.segment, offset: ref.offset } : { segment: activeSegment, offset: activeSize };
  };
  const firstSentAt = (): number | undefined => {
    if (safeIdx >= sentIdx) return undefined;
    return baseId + safeIdx < reopenedUntilId ? reopenedFirstSentAt : refs[safeIdx]?.sentAt;
  };
  const persist = (sync: boolean) => cursorFile.write({ safe: positionOf(safeIdx), sent: positionOf(sentIdx), lastSentAt, tag, firstSentAt: firstSentAt() ?? 0 }, sync);
  const persistQuietly = () =>
    persist(false).catch((error: unknown) => logger?.warn(`[queue] cannot record the cursor in ${dir} (entries may be sent again after a restart): ${(error as Error).message}`));
  /** Dead entries at the read cursor are passed over. */
  const skipDead = () => {
    while (refs[sentIdx]?.dead) sentIdx++;
  };

  const rotate = async () => {
    const next = await open(join(dir, segmentName(activeSegment + 1)), "wx");
    try {
      await syncDir(dir, fsync);
    } catch (error) {
      await next.close();
      await rm(join(dir, segmentName(activeSegment + 1)), { force: true });
      throw error;
    }
    await activeHandle.close();
    activeHandle = next;
    activeSegment++;
    activeSize = 0;
  };

  const failWrites = (batch: readonly PendingWrite[], error: unknown) => {
    const noSpace = isNoSpaceError(error);
    if (noSpace && noSpaceSince === undefined) {
      noSpaceSince = now();
      (logger?.error ?? logger?.warn)?.(`[queue] the disk of ${dir} is full: appends are refused until there is room again (sending goes on, and sent segments are freed)`);
    }
    const reason = (error as Error).message;
    const failure =
      error instanceof QueueError
        ? error
        : noSpace
          ? new QueueError("QUEUE_NO_SPACE", `the disk of ${dir} is full (${(error as NodeJS.ErrnoException).code}): nothing of this append was stored`, { cause: error })
          : new QueueError("QUEUE_IO", `cannot write to ${dir}: ${reason}`, { cause: error });
    for (const write of batch) {
      reserved -= write.bytes;
      write.reject(failure);
    }
    wakeAll(spaceWaiters);
  };

  /** Write one group of appends at the end of the active segment and fsync it; undo it all on failure. */
  const writeBatch = async (batch: readonly PendingWrite[]) => {
    const total = batch.reduce((n, w) => n + w.bytes, 0);
    try {
      if (broken) throw broken;
      // A new segment when this one is full, or when all of it was released: then it can go
      // (on a disk smaller than a segment, that is how room comes back).
      const allReleased = safeIdx === refs.length;
      if (activeSize > 0 && (activeSize + total > segmentBytes || allReleased)) {
        await rotate();
        if (allReleased) await freeBehindSafe().catch((error: unknown) => logger?.warn(`[queue] cannot free the sent segments of ${dir}: ${(error as Error).message}`));
      }
    } catch (error) {
      return failWrites(batch, error);
    }
    const start = activeSize;
    const added: EntryRef[] = [];
    try {
      let at = start;
      for (const write of batch) {
        for (const frame of write.frames) {
          await writeFully(activeHandle, frame, at);
          added.push({ segment: activeSegment, offset: at, length: frame.length - HEADER_BYTES, enqueuedAt: write.enqueuedAt, sentAt: 0, dead: false });
          at += frame.length;
        }
      }
      if (fsync) await activeHandle.datasync();
    } catch (error) {
      // Nothing of a failed group may stay behind: later appends would follow a torn entry.
      await activeHandle.truncate(start).catch((truncateError: unknown) => {
        broken = new QueueError("QUEUE_IO", `cannot undo a failed append in ${segmentName(activeSegment)} (${(truncateError as Error).message}); appends are refused until a restart`);
        (logger?.error ?? logger?.warn)?.(broken.message);
      });
      return failWrites(batch, error);
    }
    activeSize = start + total;
    for (const ref of added) {
      refs.push(ref);
      unsentBytes += frameBytes(ref);
      unsentEntries++;
      diskBytes += frameBytes(ref);
    }
    if (noSpaceSince !== undefined) {
      logger?.info(`[queue] room on the disk of ${dir} again after ${Math.round((now() - noSpaceSince) / 1000)} s: appends are accepted`);
      noSpaceSince = undefined;
    }
    for (const write of batch) {
      reserved -= write.bytes;
      write.resolve();
    }
    wakeAll(entryWaiters);
  };

  const flush = () => {
    writing ??= (async () => {
      try {
        while (writeQueue.length > 0) {
          const batch = writeQueue;
          writeQueue = [];
          await writeBatch(batch);
        }
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  };

  const readHandle = async (segment: number): Promise<FileHandle> => {
    let handle = readHandles.get(segment);
    if (!handle) {
      handle = await open(join(dir, segmentName(segment)), "r");
      readHandles.set(segment, handle);
    }
    return handle;
  };

  const markDamaged = (ref: EntryRef, why: string) => {
    ref.dead = true;
    unsentBytes -= frameBytes(ref);
    unsentEntries--;
    (logger?.error ?? logger?.warn)?.(`[queue] the entry at byte ${ref.offset} of ${segmentName(ref.segment)} cannot be sent: ${why}; it is skipped`);
    skipDead();
  };

  /** Record the cursor (on disk), then delete the segments wholly behind `safe`. */
  const freeBehindSafe = async () => {
    const firstKept = positionOf(safeIdx).segment;
    if (oldestSegment >= firstKept) return persistQuietly();
    await persist(true);
    for (const [segment, handle] of readHandles) {
      if (segment >= firstKept) continue;
      readHandles.delete(segment);
      await handle.close();
    }
    for (; oldestSegment < firstKept; oldestSegment++) {
      await rm(join(dir, segmentName(oldestSegment)), { force: true }).catch((error: unknown) =>
        logger?.warn(`[queue] cannot delete the sent segment ${segmentName(oldestSegment)}: ${(error as Error).message}`),
      );
    }
  };

  const compact = () => {
    if (safeIdx > 1024 && safeIdx * 2 > refs.length) {
      refs = refs.slice(safeIdx);
      baseId += safeIdx;
      sentIdx -= safeIdx;
      safeIdx = 0;
    }
  };

  /** The refs at the read cursor if `entries` start there and belong to this generation. */
  const atCursor = (entries: readonly QueueEntry[]): boolean => entries.length > 0 && entries[0]?.generation === generation && entries[0].id === baseId + sentIdx;

  const queue: DurableQueue = {
    sizeOf(item) {
      return HEADER_BYTES + payloadOf(item, 0).length + 16;
    },
    async append(items) {
      if (closed) throw new QueueError("QUEUE_CLOSED", "append after close");
      if (items.length === 0) return;
      const enqueuedAt = now();
      const frames = items.map((item) => encodeEntry(payloadOf(item, enqueuedAt)));
      const bytes = frames.reduce((n, f) => n + f.length, 0);
      if (bytes > maxBytes) throw new QueueError("QUEUE_TOO_LARGE", `${bytes} bytes can never fit in a queue of ${maxBytes} bytes`);
      if (diskBytes + reserved + bytes > maxBytes) {
        throw new QueueError("QUEUE_FULL", `queue is full: ${diskBytes + reserved} of ${maxBytes} bytes held (${unsentBytes} to send, the rest kept to replay), ${bytes} more do not fit`);
      }
      reserved += bytes;
      const done = new Promise<void>((resolve, reject) => writeQueue.push({ frames, bytes, enqueuedAt, resolve, reject }));
      void flush();
      return done;
    },
    waitForSpace(bytes, signal) {
      return waitUntil(() => closed || diskBytes + reserved + bytes <= maxBytes, spaceWaiters, signal);
    },
    async waitForEntry(signal) {
      await waitUntil(() => closed || sentIdx < refs.length, entryWaiters, signal);
      if (closed) throw new QueueError("QUEUE_CLOSED", "the queue is closed");
    },
    async peek(peekOptions = {}) {
      const maxEntries = peekOptions.maxEntries ?? Number.POSITIVE_INFINITY;
      const limit = peekOptions.maxBytes ?? 0;
      for (;;) {
        skipDead();
        const picked: EntryRef[] = [];
        let bytes = 0;
        for (let i = sentIdx; i < refs.length && picked.length < maxEntries; i++) {
          const ref = refs[i] as EntryRef;
          if (ref.dead || (picked.length > 0 && bytes + frameBytes(ref) > limit)) break;
          picked.push(ref);
          bytes += frameBytes(ref);
        }
        if (picked.length === 0) return [];
        const firstId = baseId + sentIdx;
        const gen = generation;
        const read = await readEntries(picked, readHandle);
        if (read.entries.length === 0 && read.damaged) {
          if (gen === generation && refs[sentIdx] === read.damaged.ref) markDamaged(read.damaged.ref, read.damaged.why);
          continue;
        }
        return read.entries.map((entry, i) => ({ ...entry, id: firstId + i, generation: gen }));
      }
    },
    async markSent(entries, mark) {
      if (!atCursor(entries)) return false;
      for (let i = 0; i < entries.length; i++) {
        const ref = refs[sentIdx] as EntryRef;
        ref.sentAt = mark.sentAt;
        sentIdx++;
        unsentBytes -= frameBytes(ref);
        unsentEntries--;
        windowBytes += frameBytes(ref);
        windowEntries++;
      }
      lastSentAt = mark.sentAt;
      tag = mark.tag;
      skipDead();
      await persistQuietly();
      return true;
    },
    async markDead(entry) {
      if (!atCursor([entry])) return false;
      const ref = refs[sentIdx] as EntryRef;
      ref.dead = true;
      ref.sentAt = now();
      sentIdx++;
      unsentBytes -= frameBytes(ref);
      unsentEntries--;
      skipDead();
      await persistQuietly();
      return true;
    },
    async release(sentUpTo) {
      const from = safeIdx;
      while (safeIdx < sentIdx) {
        const ref = refs[safeIdx] as EntryRef;
        if (!ref.dead && ref.sentAt > sentUpTo) break;
        if (!ref.dead) {
          windowBytes -= frameBytes(ref);
          windowEntries--;
        }
        diskBytes -= frameBytes(ref);
        safeIdx++;
      }
      const released = safeIdx - from;
      if (released === 0) return 0;
      compact();
      wakeAll(spaceWaiters);
      await freeBehindSafe();
      return released;
    },
    async rewind() {
      if (safeIdx === sentIdx) return { entries: 0, bytes: 0, throughId: -1 };
      generation++;
      reopenedUntilId = -1;
      const throughId = baseId + sentIdx - 1;
      let entries = 0;
      let bytes = 0;
      for (let i = safeIdx; i < sentIdx; i++) {
        const ref = refs[i] as EntryRef;
        if (ref.dead) continue;
        ref.sentAt = 0;
        entries++;
        bytes += frameBytes(ref);
      }
      sentIdx = safeIdx;
      unsentBytes += bytes;
      unsentEntries += entries;
      windowBytes = 0;
      windowEntries = 0;
      skipDead();
      wakeAll(entryWaiters);
      await persistQuietly();
      return { entries, bytes, throughId };
    },
    stats() {
      return {
        pendingBytes: unsentBytes,
        pendingEntries: unsentEntries,
        oldestEnqueuedAt: refs[sentIdx]?.enqueuedAt,
        windowBytes,
        windowEntries,
        lastSentAt,
        firstSentAt: firstSentAt(),
        tag,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      while (writing || writeQueue.length > 0) await (writing ?? abortableSleep(5));
      await persist(true).catch(() => undefined);
      await cursorFile.close();
      await activeHandle.close();
      for (const handle of readHandles.values()) await handle.close();
      readHandles.clear();
      wakeAll(entryWaiters);
      wakeAll(spaceWaiters);
      await lock.release();
    },
  };
  return queue;
}
