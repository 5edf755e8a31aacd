import type { FileHandle } from "node:fs/promises";

/**
 * Write all of `buffer` at `position`, looping on short writes (a write may store fewer bytes
 * than asked, e.g. when the disk fills up). Throws when nothing more can be written.
 */
export async function writeFully(handle: FileHandle, buffer: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, position + done);
    if (bytesWritten <= 0)
      throw Object.assign(new Error(`wrote ${done} of ${buffer.length} bytes: the disk took no more`), {
        code: "ENOSPC",
      });
    done += bytesWritten;
  }
}

/**
 * Read exactly `length` bytes at `position` into a new buffer, looping on short reads. Returns
 * fewer bytes only when the file ends first.
 */
export async function readFully(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}
