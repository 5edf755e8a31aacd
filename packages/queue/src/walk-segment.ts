import type { FileHandle } from "node:fs/promises";
import { HEADER_BYTES, payloadIntact, readHeader } from "./entry-codec.ts";
import { type SkippedRegion, scanSegment } from "./scan-segment.ts";
import { readFully } from "./write-fully.ts";

/** One entry found in a segment. */
export interface WalkedEntry {
  /** Where its frame (header) starts. */
  readonly offset: number;
  /** Payload bytes. */
  readonly length: number;
  readonly enqueuedAt: number;
}

/** What walking a segment found. */
export interface SegmentWalk {
  readonly entries: WalkedEntry[];
  readonly skipped: SkippedRegion[];
  /** End of the last good entry: where a torn tail is cut off. */
  readonly validEnd: number;
  readonly size: number;
}

const CHUNK_BYTES = 64 * 1024;
/** The meta line is read from this many first bytes of a payload (more only when it is longer). */
const META_PEEK_BYTES = 1024;

function enqueuedAtOf(metaLine: Buffer): number | undefined {
  try {
    const meta = JSON.parse(metaLine.toString("utf8")) as { enqueuedAt?: unknown };
    return typeof meta.enqueuedAt === "number" ? meta.enqueuedAt : 0;
  } catch {
    return undefined;
  }
}

/**
 * Walk the entries of a segment from `from` by their headers (magic, length) and meta lines,
 * reading a small chunk per entry rather than the payloads: a large queue opens in milliseconds.
 * The last entry's CRC is checked when `checkLast` (a torn tail); every payload's CRC is checked
 * again when it is read to be sent. Where a header does not hold, the rest of the segment is read
 * and scanned entry by entry (`scanSegment`), so damage in the middle costs only the damaged entries.
 */
export async function walkSegment(handle: FileHandle, from: number, checkLast: boolean): Promise<SegmentWalk> {
  const { size } = await handle.stat();
  let cache: { start: number; bytes: Buffer } = { start: 0, bytes: Buffer.alloc(0) };
  const bytesAt = async (offset: number, length: number): Promise<Buffer> => {
    const end = Math.min(size, offset + length);
    if (offset < cache.start || end > cache.start + cache.bytes.length)
      cache = {
        start: offset,
        bytes: await readFully(handle, Math.max(end - offset, Math.min(CHUNK_BYTES, size - offset)), offset),
      };
    return cache.bytes.subarray(offset - cache.start, end - cache.start);
  };
  const entries: WalkedEntry[] = [];
  let offset = Math.min(from, size);
  let damagedAt: number | undefined;
  while (offset < size) {
    const head = await bytesAt(offset, HEADER_BYTES + META_PEEK_BYTES);
    const header = readHeader(head, 0);
    if (header.kind !== "ok" || offset + HEADER_BYTES + header.length > size) {
      damagedAt = offset;
      break;
    }
    let nl = head.indexOf(10, HEADER_BYTES);
    let meta = nl === -1 ? undefined : head.subarray(HEADER_BYTES, nl);
    if (meta === undefined && header.length > META_PEEK_BYTES) {
      const payload = await bytesAt(offset + HEADER_BYTES, Math.min(header.length, CHUNK_BYTES));
      nl = payload.indexOf(10);
      meta = nl === -1 ? undefined : payload.subarray(0, nl);
    }
    const enqueuedAt = meta === undefined || nl - HEADER_BYTES > header.length ? undefined : enqueuedAtOf(meta);
    if (enqueuedAt === undefined) {
      damagedAt = offset;
      break;
    }
    entries.push({ offset, length: header.length, enqueuedAt });
    offset += HEADER_BYTES + header.length;
  }
  const last = entries.at(-1);
  if (damagedAt === undefined && checkLast && last) {
    const frame = await readFully(handle, HEADER_BYTES + last.length, last.offset);
    const header = readHeader(frame, 0);
    if (header.kind !== "ok" || !payloadIntact(frame.subarray(HEADER_BYTES), header.crc))
      damagedAt = entries.pop()?.offset;
  }
  if (damagedAt === undefined) return { entries, skipped: [], validEnd: offset, size };
  // Damage: scan the rest byte by byte for intact entries.
  const rest = await readFully(handle, size - damagedAt, damagedAt);
  const scan = scanSegment(rest, 0);
  for (const e of scan.entries) {
    const payload = rest.subarray(e.payloadOffset, e.payloadOffset + e.length);
    const nlAt = payload.indexOf(10);
    entries.push({
      offset: damagedAt + e.offset,
      length: e.length,
      enqueuedAt: enqueuedAtOf(payload.subarray(0, nlAt === -1 ? 0 : nlAt)) ?? 0,
    });
  }
  const lastGood = entries.at(-1);
  return {
    entries,
    skipped: scan.skipped.map((r) => ({ ...r, offset: damagedAt + r.offset })),
    validEnd:
      scan.entries.length > 0
        ? damagedAt + scan.validEnd
        : lastGood
          ? lastGood.offset + HEADER_BYTES + lastGood.length
          : damagedAt,
    size,
  };
}
