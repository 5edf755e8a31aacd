import { crc32 } from "node:zlib";

/** Every entry starts with this marker, so a reader can find the next entry after damage. */
export const ENTRY_MAGIC = 0x41575131; // "AWQ1"
/** magic u32 | payload length u32 | crc32(payload) u32, big-endian. */
export const HEADER_BYTES = 12;
/** Largest payload accepted; larger lengths in a header mean damage. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Frame one payload: header then payload. */
export function encodeEntry(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(ENTRY_MAGIC, 0);
  header.writeUInt32BE(payload.length, 4);
  header.writeUInt32BE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

/** What a header at some offset of a buffer says. */
export type HeaderCheck =
  | { readonly kind: "ok"; readonly length: number; readonly crc: number }
  | { readonly kind: "short" }
  | { readonly kind: "bad" };

/** Read and sanity-check a header at `offset`. */
export function readHeader(buffer: Buffer, offset: number): HeaderCheck {
  if (buffer.length - offset < HEADER_BYTES) return { kind: "short" };
  if (buffer.readUInt32BE(offset) !== ENTRY_MAGIC) return { kind: "bad" };
  const length = buffer.readUInt32BE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES) return { kind: "bad" };
  return { kind: "ok", length, crc: buffer.readUInt32BE(offset + 8) };
}

/** True when the payload matches the CRC of its header. */
export function payloadIntact(payload: Buffer, crc: number): boolean {
  return crc32(payload) === crc;
}
