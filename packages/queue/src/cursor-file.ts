import { type FileHandle, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { QueueError } from "./errors.ts";
import { writeFully } from "./write-fully.ts";

/** A place in the queue: a segment number and a byte offset in it (where an entry's frame starts). */
export interface CursorPosition {
  readonly segment: number;
  readonly offset: number;
}

/** What the cursor file records. */
export interface CursorState {
  /** The first entry not yet known to be safe in the target: segments before it can be deleted. */
  readonly safe: CursorPosition;
  /** The first entry not sent yet. Entries from `safe` up to here are the replay window. */
  readonly sent: CursorPosition;
  /** When the newest entry of the window was sent (ms); 0 when nothing was. */
  readonly lastSentAt: number;
  /** When the oldest entry of the window was sent (ms); 0 when nothing was (or not recorded). */
  readonly firstSentAt: number;
  /** The sender's mark of the window (the writer keeps the target's start time there); 0 = none. */
  readonly tag: number;
}

/** The cursor file, rewritten in place. */
export interface CursorFile {
  /** Record `state`; with `sync`, on disk (fdatasync) when it resolves. Writes are serialized and coalesced. */
  write(state: CursorState, sync: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The cursor file's name in the queue directory. */
export const CURSOR_FILE = "cursor.bin";
const LEGACY_CURSOR_FILE = "cursor.json";
const MAGIC = 0x41574331; // "AWC1"
/** Version 2: eight doubles (seq, safe, sent, lastSentAt, tag, firstSentAt), then the CRC. Version 1 had no firstSentAt. */
const VERSION = 2;
const SLOT_BYTES = 76;
/** Two slots in separate sectors: a torn write of one leaves the other readable. */
const SLOT_OFFSETS = [0, 512] as const;
const FILE_BYTES = 1024;

function encodeSlot(seq: number, state: CursorState): Buffer {
  const b = Buffer.alloc(SLOT_BYTES);
  b.writeUInt32BE(MAGIC, 0);
  b.writeUInt32BE(VERSION, 4);
  [
    seq,
    state.safe.segment,
    state.safe.offset,
    state.sent.segment,
    state.sent.offset,
    state.lastSentAt,
    state.tag,
    state.firstSentAt,
  ].forEach((n, i) => b.writeDoubleBE(n, 8 + i * 8));
  b.writeUInt32BE(crc32(b.subarray(0, 72)), 72);
  return b;
}

function decodeSlot(b: Buffer): { seq: number; state: CursorState } | undefined {
  if (b.length < SLOT_BYTES || b.readUInt32BE(0) !== MAGIC) return undefined;
  const version = b.readUInt32BE(4);
  const crcAt = version === 1 ? 64 : 72;
  if ((version !== 1 && version !== VERSION) || b.readUInt32BE(crcAt) !== crc32(b.subarray(0, crcAt))) return undefined;
  const n = (i: number) => b.readDoubleBE(8 + i * 8);
  const firstSentAt = version === 1 ? n(5) : n(7);
  return {
    seq: n(0),
    state: {
      safe: { segment: n(1), offset: n(2) },
      sent: { segment: n(3), offset: n(4) },
      lastSentAt: n(5),
      tag: n(6),
      firstSentAt,
    },
  };
}

/** The cursor of a queue written before the replay window was kept on disk (`{segment, offset}` JSON). */
async function readLegacyCursor(dir: string): Promise<CursorState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, LEGACY_CURSOR_FILE), "utf8")) as {
      segment?: unknown;
      offset?: unknown;
    };
    if (typeof parsed.segment !== "number" || typeof parsed.offset !== "number") return undefined;
    const at = { segment: parsed.segment, offset: parsed.offset };
    return { safe: at, sent: at, lastSentAt: 0, tag: 0, firstSentAt: 0 };
  } catch {
    return undefined;
  }
}

/**
 * Open (or create) the cursor file of the queue in `dir`. It has a fixed size and is rewritten in
 * place, alternating between two checksummed slots, so that moving the cursor never needs new
 * disk space (the queue can drain on a full disk) and a torn write loses at most the newest move.
 */
export async function openCursorFile(
  dir: string,
  options: { fsync: boolean },
): Promise<{ file: CursorFile; state: CursorState | undefined }> {
  const path = join(dir, CURSOR_FILE);
  let handle: FileHandle;
  let state: CursorState | undefined;
  let seq = 0;
  try {
    handle = await open(path, "r+");
    const bytes = Buffer.alloc(FILE_BYTES);
    await handle.read(bytes, 0, FILE_BYTES, 0);
    const slots = SLOT_OFFSETS.map((at) => decodeSlot(bytes.subarray(at, at + SLOT_BYTES))).filter(
      (s) => s !== undefined,
    );
    const newest = slots.sort((a, b) => b.seq - a.seq)[0];
    state = newest?.state;
    seq = newest?.seq ?? 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new QueueError("QUEUE_IO", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    state = await readLegacyCursor(dir);
    handle = await open(path, "w+");
    await writeFully(handle, Buffer.alloc(FILE_BYTES), 0);
    if (state) await writeFully(handle, encodeSlot(++seq, state), SLOT_OFFSETS[seq % 2] ?? 0);
    await handle.sync();
    await rm(join(dir, LEGACY_CURSOR_FILE), { force: true });
  }

  const writeNow = async (next: CursorState, sync: boolean) => {
    seq++;
    await writeFully(handle, encodeSlot(seq, next), SLOT_OFFSETS[seq % 2] ?? 0);
    if (sync && options.fsync) await handle.datasync();
  };
  let chain: Promise<void> = Promise.resolve();
  let queued: { state: CursorState; sync: boolean; done: Promise<void> } | undefined;
  const file: CursorFile = {
    write(next, sync) {
      if (queued) {
        queued.state = next;
        queued.sync ||= sync;
        return queued.done;
      }
      let settle!: { resolve: () => void; reject: (e: unknown) => void };
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const item = { state: next, sync, done };
      queued = item;
      chain = chain.then(async () => {
        queued = undefined;
        await writeNow(item.state, item.sync).then(settle.resolve, settle.reject);
      });
      return done;
    },
    async close() {
      await chain;
      await handle.close();
    },
  };
  return { file, state };
}
