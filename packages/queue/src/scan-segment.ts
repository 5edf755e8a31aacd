import { ENTRY_MAGIC, HEADER_BYTES, payloadIntact, readHeader } from "./entry-codec.ts";

/** Where one intact entry's payload sits in a segment. */
export interface ScannedEntry {
  readonly offset: number;
  readonly payloadOffset: number;
  readonly length: number;
}

/** A damaged region that was skipped. */
export interface SkippedRegion {
  readonly offset: number;
  readonly bytes: number;
  /** True when the damage runs to the end of the segment (a torn last write). */
  readonly tail: boolean;
}

/** The intact entries of a segment from `start`, and what had to be skipped. */
export interface SegmentScan {
  readonly entries: ScannedEntry[];
  readonly skipped: SkippedRegion[];
  /** End of the last intact entry: where a torn tail can be cut off. */
  readonly validEnd: number;
}

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32BE(ENTRY_MAGIC, 0);

function intactAt(buffer: Buffer, offset: number): number | undefined {
  const header = readHeader(buffer, offset);
  if (header.kind !== "ok") return undefined;
  const end = offset + HEADER_BYTES + header.length;
  if (end > buffer.length) return undefined;
  return payloadIntact(buffer.subarray(offset + HEADER_BYTES, end), header.crc) ? end : undefined;
}

/**
 * Walk a segment's bytes from `start`, keeping intact entries. Damage is skipped by searching
 * for the next intact entry, so one bad write never costs the entries after it.
 */
export function scanSegment(buffer: Buffer, start = 0): SegmentScan {
  const entries: ScannedEntry[] = [];
  const skipped: SkippedRegion[] = [];
  let offset = start;
  let validEnd = start;
  while (offset < buffer.length) {
    const end = intactAt(buffer, offset);
    if (end !== undefined) {
      entries.push({ offset, payloadOffset: offset + HEADER_BYTES, length: end - offset - HEADER_BYTES });
      offset = end;
      validEnd = end;
      continue;
    }
    let next = buffer.indexOf(MAGIC_BYTES, offset + 1);
    while (next !== -1 && intactAt(buffer, next) === undefined) next = buffer.indexOf(MAGIC_BYTES, next + 1);
    if (next === -1) {
      skipped.push({ offset, bytes: buffer.length - offset, tail: true });
      break;
    }
    skipped.push({ offset, bytes: next - offset, tail: false });
    offset = next;
  }
  return { entries, skipped, validEnd };
}
