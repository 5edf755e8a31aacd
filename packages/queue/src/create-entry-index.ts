import type { CursorPosition } from "./cursor-file.ts";
import { HEADER_BYTES } from "./entry-codec.ts";
import type { EntryRef } from "./load-segments.ts";

/** Byte counts of the queue, kept as entries come, are sent and are freed. */
export interface EntryCounts {
  /** Not sent yet. */
  readonly unsentBytes: number;
  readonly unsentEntries: number;
  /** Sent, not yet known to be safe (dead entries excluded). */
  readonly windowBytes: number;
  readonly windowEntries: number;
  /** Everything still on disk from `safe` on, dead entries included (what counts against the cap). */
  readonly diskBytes: number;
}

/**
 * The queue's entries from `safe` on, in order, with two cursors: `safe` (the first entry not
 * known to be safe) and `sent` (the first not sent). Entries are numbered by an id that only
 * grows; a rewind starts a new generation, so that marks taken before it can be told apart.
 */
export interface EntryIndex {
  /** Entries just written at the end. */
  push(added: readonly EntryRef[]): void;
  /** Consecutive unsent entries from the `sent` cursor (stops at a dead one), up to `maxBytes` on disk (at least one) and `maxEntries`. */
  pick(maxBytes: number, maxEntries: number): { refs: EntryRef[]; firstId: number; generation: number };
  /** True when entries starting at `firstId`, taken in `generation`, start at the `sent` cursor. */
  atCursor(firstId: number, generation: number): boolean;
  /** The `count` entries at the cursor were sent at `sentAt`. */
  markSent(count: number, sentAt: number): void;
  /** The entry at the cursor is given up on (dead-lettered or unreadable). */
  markDead(sentAt: number): void;
  /** An unsent entry that cannot be read is given up on. */
  markDamaged(ref: EntryRef): void;
  /** Free the window's entries sent at or before `sentUpTo` (and dead ones); returns how many. */
  release(sentUpTo: number): number;
  /** The window becomes unsent again; `throughId` is its last entry's id (-1 when it was empty). */
  rewind(): { entries: number; bytes: number; throughId: number };
  /** Where `safe` and `sent` are; `end` where the next entry will be written. */
  positions(end: CursorPosition): { safe: CursorPosition; sent: CursorPosition };
  /** Nothing left on disk from `safe` on. */
  allReleased(): boolean;
  hasUnsent(): boolean;
  oldestUnsentEnqueuedAt(): number | undefined;
  /** When the oldest window entry was sent, undefined for an empty window. */
  firstSentAt(): number | undefined;
  counts(): EntryCounts;
}

const frameBytes = (ref: EntryRef) => HEADER_BYTES + ref.length;

/**
 * Index the entries found at open: those before `sentIndex` are the window, sent at
 * `reopenedFirstSentAt` at the earliest (they carry the newest send time of the window, which is
 * conservative for freeing them; the oldest is conservative for deciding that a restart came after).
 */
export function createEntryIndex(found: EntryRef[], sentIndex: number, reopenedFirstSentAt: number): EntryIndex {
  let refs = found;
  let safeIdx = 0;
  let sentIdx = sentIndex;
  let baseId = 0;
  let generation = 0;
  let reopenedUntilId = sentIndex;
  const c = { unsentBytes: 0, unsentEntries: 0, windowBytes: 0, windowEntries: 0, diskBytes: 0 };
  for (const [i, ref] of refs.entries()) {
    c.diskBytes += frameBytes(ref);
    if (i < sentIdx) {
      c.windowBytes += frameBytes(ref);
      c.windowEntries++;
    } else {
      c.unsentBytes += frameBytes(ref);
      c.unsentEntries++;
    }
  }
  /** Dead entries at the `sent` cursor are passed over. */
  const skipDead = () => {
    while (refs[sentIdx]?.dead) sentIdx++;
  };
  const positionOf = (index: number, end: CursorPosition): CursorPosition => {
    const ref = refs[index];
    return ref ? { segment: ref.segment, offset: ref.offset } : end;
  };
  const compact = () => {
    if (safeIdx > 1024 && safeIdx * 2 > refs.length) {
      refs = refs.slice(safeIdx);
      baseId += safeIdx;
      sentIdx -= safeIdx;
      safeIdx = 0;
    }
  };
  const sendOne = (sentAt: number): EntryRef => {
    const ref = refs[sentIdx] as EntryRef;
    ref.sentAt = sentAt;
    sentIdx++;
    c.unsentBytes -= frameBytes(ref);
    c.unsentEntries--;
    return ref;
  };

  return {
    push(added) {
      for (const ref of added) {
        refs.push(ref);
        c.unsentBytes += frameBytes(ref);
        c.unsentEntries++;
        c.diskBytes += frameBytes(ref);
      }
    },
    pick(maxBytes, maxEntries) {
      skipDead();
      const picked: EntryRef[] = [];
      let bytes = 0;
      for (let i = sentIdx; i < refs.length && picked.length < maxEntries; i++) {
        const ref = refs[i] as EntryRef;
        if (ref.dead || (picked.length > 0 && bytes + frameBytes(ref) > maxBytes)) break;
        picked.push(ref);
        bytes += frameBytes(ref);
      }
      return { refs: picked, firstId: baseId + sentIdx, generation };
    },
    atCursor: (firstId, gen) => gen === generation && firstId === baseId + sentIdx,
    markSent(count, sentAt) {
      for (let i = 0; i < count; i++) {
        const ref = sendOne(sentAt);
        c.windowBytes += frameBytes(ref);
        c.windowEntries++;
      }
      skipDead();
    },
    markDead(sentAt) {
      sendOne(sentAt).dead = true;
      skipDead();
    },
    markDamaged(ref) {
      ref.dead = true;
      c.unsentBytes -= frameBytes(ref);
      c.unsentEntries--;
      skipDead();
    },
    release(sentUpTo) {
      const from = safeIdx;
      while (safeIdx < sentIdx) {
        const ref = refs[safeIdx] as EntryRef;
        if (!ref.dead && ref.sentAt > sentUpTo) break;
        if (!ref.dead) {
          c.windowBytes -= frameBytes(ref);
          c.windowEntries--;
        }
        c.diskBytes -= frameBytes(ref);
        safeIdx++;
      }
      const released = safeIdx - from;
      compact();
      return released;
    },
    rewind() {
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
      c.unsentBytes += bytes;
      c.unsentEntries += entries;
      c.windowBytes = 0;
      c.windowEntries = 0;
      skipDead();
      return { entries, bytes, throughId };
    },
    positions: (end) => ({ safe: positionOf(safeIdx, end), sent: positionOf(sentIdx, end) }),
    allReleased: () => safeIdx === refs.length,
    hasUnsent: () => sentIdx < refs.length,
    oldestUnsentEnqueuedAt: () => refs[sentIdx]?.enqueuedAt,
    firstSentAt() {
      if (safeIdx >= sentIdx) return undefined;
      return baseId + safeIdx < reopenedUntilId ? reopenedFirstSentAt : refs[safeIdx]?.sentAt;
    },
    counts: () => ({ ...c }),
  };
}
