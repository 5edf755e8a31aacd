import { type FileHandle, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { HEADER_BYTES } from "./entry-codec.ts";
import { isNoSpaceError, QueueError } from "./errors.ts";
import { type EntryRef, segmentName } from "./load-segments.ts";
import { writeFully } from "./write-fully.ts";

export interface SegmentAppenderOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly fsync: boolean;
  readonly logger?: { warn(message: string): void; info(message: string): void; error?(message: string): void };
  readonly now: () => number;
  /** The segment to append to, open for writing, and its size. */
  readonly handle: FileHandle;
  readonly segment: number;
  readonly size: number;
  /** True when all that was written is released: the next append then starts a new segment, so that the old ones can go. */
  readonly allReleased: () => boolean;
  /** After a new segment was started for that reason. */
  readonly onFreshSegment: () => Promise<void>;
  /** Entries written and synced, in order, before their appends resolve. */
  readonly onWritten: (added: EntryRef[]) => void;
}

/** Appends framed entries at the end of the newest segment, in groups. */
export interface SegmentAppender {
  /** Append frames; resolves once they are wholly on disk (fsync'd), rejects (`QUEUE_NO_SPACE`, `QUEUE_IO`) with nothing of them left. */
  append(frames: readonly Buffer[], enqueuedAt: number): Promise<void>;
  /** Where the next entry will be written. */
  end(): { segment: number; offset: number };
  /** Resolves when no append is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface PendingWrite {
  readonly frames: readonly Buffer[];
  readonly enqueuedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
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

/** Create the directory entry of a new segment durably (fsync of the directory). */
export async function createSegmentFile(dir: string, segment: number, fsync: boolean): Promise<FileHandle> {
  const path = join(dir, segmentName(segment));
  const handle = await open(path, "wx");
  try {
    await syncDir(dir, fsync);
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw error;
  }
  return handle;
}

/**
 * Group commit: every append waiting when a write starts goes into it; each frame is written in
 * full (short writes continued), then one fdatasync. A group that fails is truncated away and
 * refused as a whole, so that nothing acknowledged ever follows a torn entry; if even the
 * truncation fails, appends are refused until a restart.
 */
export function createSegmentAppender(options: SegmentAppenderOptions): SegmentAppender {
  const { dir, segmentBytes, fsync, logger, now } = options;
  let handle = options.handle;
  let segment = options.segment;
  let size = options.size;
  let queued: PendingWrite[] = [];
  let writing: Promise<void> | undefined;
  let broken: QueueError | undefined;
  let noSpaceSince: number | undefined;
  const logError = (message: string) => (logger?.error ?? logger?.warn)?.(message);

  const rotate = async () => {
    const next = await createSegmentFile(dir, segment + 1, fsync);
    await handle.close();
    handle = next;
    segment++;
    size = 0;
  };

  const fail = (batch: readonly PendingWrite[], error: unknown) => {
    const noSpace = isNoSpaceError(error);
    if (noSpace && noSpaceSince === undefined) {
      noSpaceSince = now();
      logError(
        `[queue] the disk of ${dir} is full: appends are refused until there is room again (sending goes on, and sent segments are freed)`,
      );
    }
    const failure =
      error instanceof QueueError
        ? error
        : noSpace
          ? new QueueError(
              "QUEUE_NO_SPACE",
              `the disk of ${dir} is full (${(error as NodeJS.ErrnoException).code}): nothing of this append was stored`,
              { cause: error },
            )
          : new QueueError("QUEUE_IO", `cannot write to ${dir}: ${(error as Error).message}`, { cause: error });
    for (const write of batch) write.reject(failure);
  };

  /** A new segment when this one is full, or when all of it was released (on a disk smaller than a segment, that is how room comes back). */
  const makeRoom = async (total: number) => {
    if (broken) throw broken;
    const released = options.allReleased();
    if (size === 0 || (size + total <= segmentBytes && !released)) return;
    await rotate();
    if (released)
      await options
        .onFreshSegment()
        .catch((error: unknown) =>
          logger?.warn(`[queue] cannot free the sent segments of ${dir}: ${(error as Error).message}`),
        );
  };

  const writeGroup = async (batch: readonly PendingWrite[]) => {
    const total = batch.reduce((n, w) => n + w.frames.reduce((m, f) => m + f.length, 0), 0);
    try {
      await makeRoom(total);
    } catch (error) {
      return fail(batch, error);
    }
    const start = size;
    const added: EntryRef[] = [];
    try {
      let at = start;
      for (const write of batch) {
        for (const frame of write.frames) {
          await writeFully(handle, frame, at);
          added.push({
            segment,
            offset: at,
            length: frame.length - HEADER_BYTES,
            enqueuedAt: write.enqueuedAt,
            sentAt: 0,
            dead: false,
          });
          at += frame.length;
        }
      }
      if (fsync) await handle.datasync();
    } catch (error) {
      await handle.truncate(start).catch((truncateError: unknown) => {
        broken = new QueueError(
          "QUEUE_IO",
          `cannot undo a failed append in ${segmentName(segment)} (${(truncateError as Error).message}); appends are refused until a restart`,
        );
        logError(broken.message);
      });
      return fail(batch, error);
    }
    size = start + total;
    if (noSpaceSince !== undefined) {
      logger?.info(
        `[queue] room on the disk of ${dir} again after ${Math.round((now() - noSpaceSince) / 1000)} s: appends are accepted`,
      );
      noSpaceSince = undefined;
    }
    options.onWritten(added);
    for (const write of batch) write.resolve();
  };

  const flush = () => {
    writing ??= (async () => {
      try {
        while (queued.length > 0) {
          const batch = queued;
          queued = [];
          await writeGroup(batch);
        }
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  };

  return {
    append(frames, enqueuedAt) {
      const done = new Promise<void>((resolve, reject) => queued.push({ frames, enqueuedAt, resolve, reject }));
      void flush();
      return done;
    },
    end: () => ({ segment, offset: size }),
    async idle() {
      while (writing || queued.length > 0) await (writing ?? flush());
    },
    async close() {
      await this.idle();
      await handle.close();
    },
  };
}
