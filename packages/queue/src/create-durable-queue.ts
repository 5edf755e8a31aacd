import { type FileHandle, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { type WaiterSet, waitUntil, wakeAll } from "./abortable-wait.ts";
import { acquireQueueLock, type QueueLock } from "./acquire-queue-lock.ts";
import { createEntryIndex, type EntryIndex } from "./create-entry-index.ts";
import { createSegmentAppender, createSegmentFile, type SegmentAppender } from "./create-segment-appender.ts";
import { type CursorFile, openCursorFile } from "./cursor-file.ts";
import { encodeEntry, HEADER_BYTES } from "./entry-codec.ts";
import { QueueError } from "./errors.ts";
import { loadSegments, segmentName } from "./load-segments.ts";
import { readEntries } from "./read-entries.ts";

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

function payloadOf(item: QueueItem, enqueuedAt: number): Buffer {
  const meta = Buffer.from(`${JSON.stringify({ ...item.meta, enqueuedAt })}\n`);
  return Buffer.concat([meta, typeof item.body === "string" ? Buffer.from(item.body) : item.body]);
}

type Logger = DurableQueueOptions["logger"];

/**
 * Open (or create) a durable queue in `dir`, locked against other processes. Every segment from
 * the cursor on is checked (a missing or unreadable one is a `QUEUE_DAMAGED` error); a torn last
 * entry is cut off with a log line. Sent entries stay on disk (the replay window) until `release`
 * says they are safe, so a crash of the writer or of the target loses none of them.
 */
export async function createDurableQueue(options: DurableQueueOptions): Promise<DurableQueue> {
  const { dir, maxBytes } = options;
  const segmentBytes = Math.max(
    64 * 1024,
    Math.min(options.segmentBytes ?? 32 * 1024 * 1024, Math.floor(maxBytes / 4)),
  );
  const fsync = options.fsync ?? true;
  await mkdir(dir, { recursive: true });
  const lock = await acquireQueueLock(dir, options.logger);
  let cursorFile: CursorFile | undefined;
  let handle: FileHandle | undefined;
  try {
    const opened = await openCursorFile(dir, { fsync });
    cursorFile = opened.file;
    const loaded = await loadSegments(dir, opened.state, options.logger);
    for (const n of loaded.obsolete) await rm(join(dir, segmentName(n)), { force: true });
    const segment = loaded.activeSegment ?? opened.state?.safe.segment ?? 0;
    handle =
      loaded.activeSegment === undefined
        ? await createSegmentFile(dir, segment, fsync)
        : await open(join(dir, segmentName(segment)), "r+");
    const state = opened.state;
    const index = createEntryIndex(loaded.refs, loaded.sentIndex, (state?.firstSentAt || state?.lastSentAt) ?? 0);
    const counts = index.counts();
    if (counts.unsentEntries + counts.windowEntries > 0) {
      options.logger?.info(
        `[queue] ${counts.unsentEntries} entries (${counts.unsentBytes} bytes) pending from an earlier run in ${dir}, and ${counts.windowEntries} sent ones (${counts.windowBytes} bytes) kept in case they must be sent again`,
      );
    }
    return openedQueue(
      { ...options, segmentBytes, fsync },
      {
        lock,
        cursorFile,
        index,
        handle,
        segment,
        size: loaded.activeSize,
        oldestSegment: loaded.firstSegment ?? segment,
        tag: state?.tag ?? 0,
        lastSentAt: state?.lastSentAt ?? 0,
      },
    );
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await cursorFile?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

interface OpenedState {
  readonly lock: QueueLock;
  readonly cursorFile: CursorFile;
  readonly index: EntryIndex;
  readonly handle: FileHandle;
  readonly segment: number;
  readonly size: number;
  readonly oldestSegment: number;
  readonly tag: number;
  readonly lastSentAt: number;
}

/** The cursor file kept in step with the index, and the segments behind `safe` deleted. */
function createCursorKeeper(
  dir: string,
  cursorFile: CursorFile,
  index: EntryIndex,
  appender: () => SegmentAppender,
  oldest: number,
  logger: Logger,
) {
  let oldestSegment = oldest;
  const mark = { tag: 0, lastSentAt: 0 };
  const persist = (sync: boolean) =>
    cursorFile.write({ ...index.positions(appender().end()), ...mark, firstSentAt: index.firstSentAt() ?? 0 }, sync);
  const persistQuietly = () =>
    persist(false).catch((error: unknown) =>
      logger?.warn(
        `[queue] cannot record the cursor in ${dir} (entries may be sent again after a restart): ${(error as Error).message}`,
      ),
    );
  return {
    mark,
    persist,
    persistQuietly,
    /** Record the cursor on disk, then delete the segments wholly behind `safe`; returns those whose read handles can go. */
    async freeBehindSafe(): Promise<number> {
      const firstKept = index.positions(appender().end()).safe.segment;
      if (oldestSegment >= firstKept) {
        await persistQuietly();
        return firstKept;
      }
      await persist(true);
      for (; oldestSegment < firstKept; oldestSegment++) {
        await rm(join(dir, segmentName(oldestSegment)), { force: true }).catch((error: unknown) =>
          logger?.warn(
            `[queue] cannot delete the sent segment ${segmentName(oldestSegment)}: ${(error as Error).message}`,
          ),
        );
      }
      return firstKept;
    },
  };
}

function openedQueue(
  options: DurableQueueOptions & { segmentBytes: number; fsync: boolean },
  state: OpenedState,
): DurableQueue {
  const { dir, maxBytes, logger } = options;
  const now = options.now ?? Date.now;
  const { lock, cursorFile, index } = state;
  const readHandles = new Map<number, FileHandle>();
  const entryWaiters: WaiterSet = new Set();
  const spaceWaiters: WaiterSet = new Set();
  let reserved = 0;
  let closed = false;
  const keeper = createCursorKeeper(dir, cursorFile, index, () => appender, state.oldestSegment, logger);
  keeper.mark.tag = state.tag;
  keeper.mark.lastSentAt = state.lastSentAt;
  const freeBehindSafe = async () => {
    const firstKept = await keeper.freeBehindSafe();
    for (const [segment, handle] of readHandles) {
      if (segment >= firstKept) continue;
      readHandles.delete(segment);
      await handle.close();
    }
  };
  const appender: SegmentAppender = createSegmentAppender({
    dir,
    segmentBytes: options.segmentBytes,
    fsync: options.fsync,
    ...(logger ? { logger } : {}),
    now,
    handle: state.handle,
    segment: state.segment,
    size: state.size,
    allReleased: () => index.allReleased(),
    onFreshSegment: freeBehindSafe,
    onWritten: (added) => {
      index.push(added);
      wakeAll(entryWaiters);
    },
  });
  const readHandle = async (segment: number): Promise<FileHandle> => {
    let handle = readHandles.get(segment);
    if (!handle) {
      handle = await open(join(dir, segmentName(segment)), "r");
      readHandles.set(segment, handle);
    }
    return handle;
  };

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
      if (bytes > maxBytes)
        throw new QueueError("QUEUE_TOO_LARGE", `${bytes} bytes can never fit in a queue of ${maxBytes} bytes`);
      const held = index.counts().diskBytes + reserved;
      if (held + bytes > maxBytes) {
        throw new QueueError(
          "QUEUE_FULL",
          `queue is full: ${held} of ${maxBytes} bytes held (${index.counts().unsentBytes} to send, the rest kept to replay), ${bytes} more do not fit`,
        );
      }
      reserved += bytes;
      try {
        await appender.append(frames, enqueuedAt);
      } finally {
        reserved -= bytes;
        wakeAll(spaceWaiters);
      }
    },
    waitForSpace(bytes, signal) {
      return waitUntil(() => closed || index.counts().diskBytes + reserved + bytes <= maxBytes, spaceWaiters, signal);
    },
    async waitForEntry(signal) {
      await waitUntil(() => closed || index.hasUnsent(), entryWaiters, signal);
      if (closed) throw new QueueError("QUEUE_CLOSED", "the queue is closed");
    },
    async peek(peekOptions = {}) {
      for (;;) {
        const { refs, firstId, generation } = index.pick(
          peekOptions.maxBytes ?? 0,
          peekOptions.maxEntries ?? Number.POSITIVE_INFINITY,
        );
        if (refs.length === 0) return [];
        const read = await readEntries(refs, readHandle);
        if (read.entries.length === 0 && read.damaged) {
          const { ref, why } = read.damaged;
          if (index.atCursor(firstId, generation) && !ref.dead) {
            index.markDamaged(ref);
            (logger?.error ?? logger?.warn)?.(
              `[queue] the entry at byte ${ref.offset} of ${segmentName(ref.segment)} cannot be sent: ${why}; it is skipped`,
            );
          }
          continue;
        }
        return read.entries.map((entry, i) => ({ ...entry, id: firstId + i, generation }));
      }
    },
    async markSent(entries, mark) {
      const [first] = entries;
      if (!first || !index.atCursor(first.id, first.generation)) return false;
      index.markSent(entries.length, mark.sentAt);
      keeper.mark.lastSentAt = mark.sentAt;
      keeper.mark.tag = mark.tag;
      await keeper.persistQuietly();
      return true;
    },
    async markDead(entry) {
      if (!index.atCursor(entry.id, entry.generation)) return false;
      index.markDead(now());
      await keeper.persistQuietly();
      return true;
    },
    async release(sentUpTo) {
      const released = index.release(sentUpTo);
      if (released === 0) return 0;
      wakeAll(spaceWaiters);
      await freeBehindSafe();
      return released;
    },
    async rewind() {
      const rewound = index.rewind();
      if (rewound.entries === 0 && rewound.throughId === -1) return rewound;
      wakeAll(entryWaiters);
      await keeper.persistQuietly();
      return rewound;
    },
    stats() {
      const c = index.counts();
      return {
        pendingBytes: c.unsentBytes,
        pendingEntries: c.unsentEntries,
        oldestEnqueuedAt: index.oldestUnsentEnqueuedAt(),
        windowBytes: c.windowBytes,
        windowEntries: c.windowEntries,
        lastSentAt: keeper.mark.lastSentAt,
        firstSentAt: index.firstSentAt(),
        tag: keeper.mark.tag,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await appender.idle();
      await keeper.persist(true).catch(() => undefined);
      await cursorFile.close();
      await appender.close();
      for (const handle of readHandles.values()) await handle.close();
      readHandles.clear();
      wakeAll(entryWaiters);
      wakeAll(spaceWaiters);
      await lock.release();
    },
  };
  return queue;
}
