import { type FileHandle, open, readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { CursorPosition, CursorState } from "./cursor-file.ts";
import { QueueError } from "./errors.ts";
import { type SegmentWalk, walkSegment } from "./walk-segment.ts";

/** Where one entry sits on disk, and what the queue knows of it. */
export interface EntryRef {
  readonly segment: number;
  /** Where its frame (header) starts. */
  readonly offset: number;
  /** Payload bytes (the frame is HEADER_BYTES more). */
  readonly length: number;
  readonly enqueuedAt: number;
  /** When it was sent (ms), 0 while it was not. */
  sentAt: number;
  /** Given up on (dead-lettered or unreadable): never sent again. */
  dead: boolean;
}

/** The queue as found on disk. */
export interface LoadedSegments {
  /** Entries from the cursor's `safe` position on. */
  readonly refs: EntryRef[];
  /** Index in `refs` of the first entry not sent yet. */
  readonly sentIndex: number;
  /** Segments wholly before `safe`: done with, to be deleted. */
  readonly obsolete: number[];
  /** The oldest segment kept (the cursor's), if any. */
  readonly firstSegment: number | undefined;
  /** The segment to append to (undefined: none exists yet) and its size. */
  readonly activeSegment: number | undefined;
  readonly activeSize: number;
}

const SEGMENT_RE = /^seg-(\d{12})\.log$/;
/** The file name of segment `n`. */
export const segmentName = (n: number) => `seg-${String(n).padStart(12, "0")}.log`;

const before = (a: CursorPosition, b: CursorPosition) =>
  a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);

/**
 * Read every segment from the cursor on and check it: a missing segment (a gap in the numbers, or
 * the one the cursor points at) or one that cannot be read makes this throw `QUEUE_DAMAGED` naming
 * them all, instead of skipping acknowledged data. A torn last entry (an append a crash or a full
 * disk cut short, never acknowledged) is cut off; other damage is skipped, each with a log line.
 */
export async function loadSegments(
  dir: string,
  cursor: CursorState | undefined,
  logger?: { warn(message: string): void },
): Promise<LoadedSegments> {
  const numbers = (await readdir(dir))
    .map((name) => SEGMENT_RE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const start = cursor?.safe ?? { segment: numbers[0] ?? 0, offset: 0 };
  const obsolete = numbers.filter((n) => n < start.segment);
  const live = numbers.filter((n) => n >= start.segment);
  const problems: string[] = [];
  if (cursor && live.length > 0 && live[0] !== start.segment) {
    problems.push(`${segmentName(start.segment)} is missing (the cursor points into it)`);
  } else if (cursor && live.length === 0 && (numbers.length > 0 || start.offset > 0)) {
    problems.push(`${segmentName(start.segment)} is missing (the cursor points into it)`);
  }
  for (let i = 1; i < live.length; i++) {
    const [a, b] = [live[i - 1] ?? 0, live[i] ?? 0];
    if (b !== a + 1)
      problems.push(
        `${b - a - 1 === 1 ? segmentName(a + 1) : `${segmentName(a + 1)} to ${segmentName(b - 1)}`} missing between ${segmentName(a)} and ${segmentName(b)}`,
      );
  }
  const walks = new Map<number, SegmentWalk>();
  for (const [i, n] of live.entries()) {
    let handle: FileHandle | undefined;
    try {
      handle = await open(join(dir, segmentName(n)), "r");
      walks.set(n, await walkSegment(handle, n === start.segment ? start.offset : 0, i === live.length - 1));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push(`${segmentName(n)} cannot be read (${code})`);
    } finally {
      await handle?.close();
    }
  }
  if (problems.length > 0) {
    throw new QueueError(
      "QUEUE_DAMAGED",
      `the queue in ${dir} is damaged, so it is not opened (acknowledged data would be skipped): ${problems.join("; ")}. ` +
        "Restore the files (or fix their permissions); to give up what they held, move away every segment up to the damage and the file cursor.bin.",
    );
  }

  const refs: EntryRef[] = [];
  let activeSize = 0;
  for (const [i, n] of live.entries()) {
    const walk = walks.get(n) as SegmentWalk;
    const from = n === start.segment ? start.offset : 0;
    if (from > walk.size) {
      logger?.warn(
        `[queue] the cursor points at byte ${from} of ${segmentName(n)}, which has ${walk.size}: written with fsync off and cut by a crash? starting at its end`,
      );
    }
    for (const region of walk.skipped) {
      logger?.warn(
        `[queue] ${region.tail ? "torn last entry" : "damaged data"} in ${segmentName(n)} at byte ${region.offset}: skipped ${region.bytes} bytes`,
      );
    }
    const torn = walk.skipped.some((r) => r.tail);
    if (i === live.length - 1) {
      if (torn) await truncate(join(dir, segmentName(n)), walk.validEnd);
      activeSize = torn ? walk.validEnd : walk.size;
    }
    for (const entry of walk.entries)
      refs.push({
        segment: n,
        offset: entry.offset,
        length: entry.length,
        enqueuedAt: entry.enqueuedAt,
        sentAt: 0,
        dead: false,
      });
  }
  const sent = cursor?.sent ?? start;
  let sentIndex = 0;
  while (sentIndex < refs.length && before(refs[sentIndex] as CursorPosition, sent)) {
    (refs[sentIndex] as EntryRef).sentAt = cursor?.lastSentAt || 1;
    sentIndex++;
  }
  return { refs, sentIndex, obsolete, firstSegment: live[0], activeSegment: live.at(-1), activeSize };
}
