import type { FileHandle } from "node:fs/promises";
import { HEADER_BYTES, payloadIntact, readHeader } from "./entry-codec.ts";
import type { EntryRef } from "./load-segments.ts";
import { readFully } from "./write-fully.ts";

/** An entry's content as read back and verified. */
export interface ReadEntry {
  readonly meta: Readonly<Record<string, string | number>>;
  readonly body: Buffer;
  readonly bytes: number;
  readonly enqueuedAt: number;
}

function decodePayload(payload: Buffer): { meta: Record<string, string | number>; body: Buffer } {
  const nl = payload.indexOf(10);
  const meta = JSON.parse(payload.subarray(0, nl).toString("utf8")) as Record<string, string | number>;
  delete meta.enqueuedAt;
  return { meta, body: payload.subarray(nl + 1) };
}

/** Check the frame of `ref` at `at` in `bytes`; the reason it cannot be used, or undefined. */
function verifyFrame(bytes: Buffer, at: number, ref: EntryRef): string | undefined {
  if (bytes.length < at + HEADER_BYTES + ref.length)
    return `the file ends before it does (${bytes.length - at} of ${HEADER_BYTES + ref.length} bytes)`;
  const header = readHeader(bytes, at);
  if (header.kind !== "ok" || header.length !== ref.length) return "its header changed on disk";
  if (!payloadIntact(bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + ref.length), header.crc))
    return "its bytes no longer match their CRC";
  return undefined;
}

/**
 * Read consecutive entries from their segments (one read per run of adjacent frames) and verify
 * each frame's header and CRC again: only bytes read from the file and verified are ever sent.
 * Stops at the first entry that fails the check, and names it.
 */
export async function readEntries(
  refs: readonly EntryRef[],
  handleOf: (segment: number) => Promise<FileHandle>,
): Promise<{ entries: ReadEntry[]; damaged?: { ref: EntryRef; why: string } }> {
  const entries: ReadEntry[] = [];
  let i = 0;
  while (i < refs.length) {
    const first = refs[i] as EntryRef;
    let end = i + 1;
    let runBytes = HEADER_BYTES + first.length;
    for (; end < refs.length; end++) {
      const prev = refs[end - 1] as EntryRef;
      const next = refs[end] as EntryRef;
      if (next.segment !== first.segment || next.offset !== prev.offset + HEADER_BYTES + prev.length) break;
      runBytes += HEADER_BYTES + next.length;
    }
    const bytes = await readFully(await handleOf(first.segment), runBytes, first.offset);
    for (let k = i; k < end; k++) {
      const ref = refs[k] as EntryRef;
      const at = ref.offset - first.offset;
      const why = verifyFrame(bytes, at, ref);
      if (why !== undefined) return { entries, damaged: { ref, why } };
      let decoded: ReturnType<typeof decodePayload>;
      try {
        decoded = decodePayload(bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + ref.length));
      } catch (error) {
        return { entries, damaged: { ref, why: `its meta line is not JSON (${(error as Error).message})` } };
      }
      entries.push({ ...decoded, bytes: HEADER_BYTES + ref.length, enqueuedAt: ref.enqueuedAt });
    }
    i = end;
  }
  return { entries };
}
